-- Timestamps are UTC unix milliseconds in both engines.
CREATE TABLE workspaces (
  id BIGSERIAL PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  token_hash BYTEA PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash BYTEA NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE numbers (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  waba_id TEXT NOT NULL,
  phone_number_id TEXT NOT NULL UNIQUE,
  display_phone_number TEXT NOT NULL,
  verified_name TEXT NOT NULL,
  quality_rating TEXT NOT NULL,
  access_token_enc BYTEA NOT NULL,
  sandbox BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX numbers_workspace ON numbers(workspace_id);
CREATE TABLE contacts (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  wa_id TEXT NOT NULL,
  phone TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (workspace_id, wa_id)
);
CREATE TABLE conversations (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  number_id BIGINT NOT NULL REFERENCES numbers(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  last_message_at BIGINT NOT NULL DEFAULT 0,
  last_inbound_at BIGINT NOT NULL DEFAULT 0,
  window_expires_at BIGINT NOT NULL DEFAULT 0,
  last_message_text TEXT NOT NULL DEFAULT '',
  unread_count INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (number_id, contact_id)
);
CREATE INDEX conversations_list ON conversations(workspace_id, last_message_at DESC);
CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  conversation_id BIGINT NOT NULL REFERENCES conversations(id),
  number_id BIGINT NOT NULL REFERENCES numbers(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  direction TEXT NOT NULL,
  type TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  payload BYTEA,
  wamid TEXT,
  status TEXT NOT NULL,
  status_rank INTEGER NOT NULL DEFAULT 0,
  error_code INTEGER NOT NULL DEFAULT 0,
  error_title TEXT NOT NULL DEFAULT '',
  error_detail TEXT NOT NULL DEFAULT '',
  reply_to TEXT NOT NULL DEFAULT '',
  sent_by BIGINT NOT NULL DEFAULT 0,
  ts BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX messages_wamid ON messages(number_id, wamid) WHERE wamid IS NOT NULL;
CREATE INDEX messages_conversation ON messages(conversation_id, id);
-- Raw webhook deliveries, stored before Meta gets its 200. (dedup_hour,
-- hash) drops byte-identical retries: bucketing by the hour keeps the part
-- of this random-keyed index that inserts touch small and cached at
-- millions of rows; a retry across an hour boundary is stored twice and
-- still changes nothing, as messages and statuses are idempotent when
-- applied. applied_at is NULL until the event is applied.
CREATE TABLE webhook_events (
  id BIGSERIAL PRIMARY KEY,
  received_at BIGINT NOT NULL,
  dedup_hour BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  body BYTEA NOT NULL,
  applied_at BIGINT,
  apply_error TEXT NOT NULL DEFAULT '',
  UNIQUE (dedup_hour, hash)
);
CREATE INDEX webhook_events_unapplied ON webhook_events(id) WHERE applied_at IS NULL;
-- Realtime fan-out across nodes: NOTIFY carries only the id (payloads are
-- limited to 8000 bytes), listeners read the row once per node.
CREATE TABLE realtime_events (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL,
  type TEXT NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
