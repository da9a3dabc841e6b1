-- CRM connections (one per provider per workspace) and the durable state of
-- the two-way sync. Everything the sync engine does is a row here first, so
-- a crash, a restart or a CRM outage loses nothing: work waits in these
-- tables until the CRM answers.
CREATE TABLE crm_connections (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  provider TEXT NOT NULL,
  auth TEXT NOT NULL,
  account_id TEXT NOT NULL DEFAULT '',
  account_name TEXT NOT NULL DEFAULT '',
  record_url TEXT NOT NULL DEFAULT '',
  -- crm.Tokens as sealed JSON: access and refresh token are replaced in
  -- one statement, so a rotated refresh token is never lost.
  tokens_enc BYTEA NOT NULL,
  token_expires_at BIGINT NOT NULL DEFAULT 0,
  refresh_lock_until BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  status_reason TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  webhook_key TEXT NOT NULL,
  timeline_cursor BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  watch_channel_id BIGINT NOT NULL DEFAULT 0,
  watch_expires_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (workspace_id, provider)
);
CREATE INDEX crm_connections_account ON crm_connections(provider, account_id);
-- The local guard against duplicate CRM contacts: one row per (connection,
-- phone), claimed before the CRM is asked; crm_id is '' until found or
-- created.
CREATE TABLE crm_links (
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  phone TEXT NOT NULL,
  crm_id TEXT NOT NULL DEFAULT '',
  module TEXT NOT NULL DEFAULT '',
  created_by_us INTEGER NOT NULL DEFAULT 0,
  linked_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id, phone)
);
-- CRM webhooks and notifications, stored before the 2xx; dedupe_key drops
-- redeliveries.
CREATE TABLE crm_events (
  id BIGSERIAL PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  dedupe_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  object_id TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  done_at BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (connection_id, dedupe_key)
);
CREATE INDEX crm_events_pending ON crm_events(connection_id, done_at, id);
-- The last stage seen per deal: a send fires only on a real transition.
CREATE TABLE crm_deals (
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  deal_id TEXT NOT NULL,
  pipeline TEXT NOT NULL,
  stage TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (connection_id, deal_id)
);
CREATE TABLE crm_rules (
  id BIGSERIAL PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  pipeline_id TEXT NOT NULL,
  stage_id TEXT NOT NULL,
  template_name TEXT NOT NULL,
  template_language TEXT NOT NULL,
  parameters TEXT NOT NULL DEFAULT '[]',
  number_id BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
-- One row per (rule, deal, transition, contact): the send a stage change
-- asks for. It becomes 'sent' in the same commit as the message it queues.
CREATE TABLE crm_sends (
  id BIGSERIAL PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  rule_id BIGINT NOT NULL,
  deal_id TEXT NOT NULL,
  event_id BIGINT NOT NULL,
  contact_crm_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  message_id BIGINT NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (rule_id, deal_id, event_id, contact_crm_id)
);
CREATE INDEX crm_sends_pending ON crm_sends(connection_id, status, id);
-- Timeline entries to write, in id order: one per message (key msg-<id>)
-- and notices such as a refused send. state: pending → logged → final.
CREATE TABLE crm_timeline (
  id BIGSERIAL PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  entry_key TEXT NOT NULL,
  message_id BIGINT NOT NULL DEFAULT 0,
  phone TEXT NOT NULL DEFAULT '',
  contact_crm_id TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  crm_entry_id TEXT NOT NULL DEFAULT '',
  logged_status TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (connection_id, entry_key)
);
CREATE INDEX crm_timeline_state ON crm_timeline(connection_id, state, id);
-- What the sync did, for people: sent, failed and why, with a retry.
CREATE TABLE crm_log (
  id BIGSERIAL PRIMARY KEY,
  connection_id BIGINT NOT NULL REFERENCES crm_connections(id) ON DELETE CASCADE,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  ref_kind TEXT NOT NULL DEFAULT '',
  ref_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX crm_log_connection ON crm_log(connection_id, id);
