-- Broadcasts: one template to an audience, each recipient exactly once.
-- Every recipient is a row before anything is sent and moves through one
-- state machine (pending -> sending -> sent | failed, or skipped with a
-- reason); the row points at the WhatsApp message that carries it, so a
-- crash is reconciled from that message's status webhooks.
CREATE TABLE broadcasts (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  number_id BIGINT NOT NULL REFERENCES numbers(id),
  template_name TEXT NOT NULL,
  template_language TEXT NOT NULL,
  parameters TEXT NOT NULL DEFAULT '[]',
  audience TEXT NOT NULL DEFAULT '{}',
  schedule_at BIGINT NOT NULL DEFAULT 0,
  timezone TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL DEFAULT '',
  failure_threshold DOUBLE PRECISION NOT NULL DEFAULT 0,
  parent_id BIGINT NOT NULL DEFAULT 0,
  follow_up TEXT NOT NULL DEFAULT '',
  created_by BIGINT NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL DEFAULT 0,
  wait_reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  launched_at BIGINT NOT NULL DEFAULT 0,
  finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX broadcasts_workspace ON broadcasts(workspace_id, id);
CREATE INDEX broadcasts_active ON broadcasts(status, next_at);
CREATE TABLE broadcast_recipients (
  id BIGSERIAL PRIMARY KEY,
  broadcast_id BIGINT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
  contact_id BIGINT NOT NULL,
  wa_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  message_id BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before BIGINT NOT NULL DEFAULT 0,
  claimed_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  UNIQUE (broadcast_id, wa_id)
);
CREATE INDEX broadcast_recipients_state ON broadcast_recipients(broadcast_id, state, id);
CREATE INDEX broadcast_recipients_message ON broadcast_recipients(message_id) WHERE message_id <> 0;
-- The number's throughput budget (messages per second), shared by every
-- send from that number on every node.
CREATE TABLE number_rate (
  number_id BIGINT PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  at BIGINT NOT NULL
);
-- Labels on conversations (the inbox manages them; audiences select on them).
CREATE TABLE conversation_labels (
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  PRIMARY KEY (conversation_id, label)
);
CREATE INDEX conversation_labels_label ON conversation_labels(workspace_id, label);
-- The reconciler looks for sends whose outcome is unknown.
CREATE INDEX broadcast_recipients_inflight ON broadcast_recipients(claimed_at) WHERE state = 'sending';
