-- Timestamps are UTC unix milliseconds in both engines.
CREATE TABLE workspaces (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE numbers (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  waba_id TEXT NOT NULL,
  phone_number_id TEXT NOT NULL UNIQUE,
  display_phone_number TEXT NOT NULL,
  verified_name TEXT NOT NULL,
  quality_rating TEXT NOT NULL,
  access_token_enc BLOB NOT NULL,
  sandbox INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX numbers_workspace ON numbers(workspace_id);
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  wa_id TEXT NOT NULL,
  phone TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, wa_id)
);
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  number_id INTEGER NOT NULL REFERENCES numbers(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  last_message_at INTEGER NOT NULL DEFAULT 0,
  last_inbound_at INTEGER NOT NULL DEFAULT 0,
  window_expires_at INTEGER NOT NULL DEFAULT 0,
  last_message_text TEXT NOT NULL DEFAULT '',
  unread_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (number_id, contact_id)
);
CREATE INDEX conversations_list ON conversations(workspace_id, last_message_at DESC);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  number_id INTEGER NOT NULL REFERENCES numbers(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  direction TEXT NOT NULL,
  type TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  payload BLOB,
  wamid TEXT,
  status TEXT NOT NULL,
  status_rank INTEGER NOT NULL DEFAULT 0,
  error_code INTEGER NOT NULL DEFAULT 0,
  error_title TEXT NOT NULL DEFAULT '',
  error_detail TEXT NOT NULL DEFAULT '',
  reply_to TEXT NOT NULL DEFAULT '',
  sent_by INTEGER NOT NULL DEFAULT 0,
  ts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
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
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  dedup_hour INTEGER NOT NULL,
  hash BLOB NOT NULL,
  body BLOB NOT NULL,
  applied_at INTEGER,
  apply_error TEXT NOT NULL DEFAULT '',
  UNIQUE (dedup_hour, hash)
);
CREATE INDEX webhook_events_unapplied ON webhook_events(id) WHERE applied_at IS NULL;
