-- Messages an agent asked to send later. A row is the intent; the message
-- itself is created only when it goes out, in the same commit that marks
-- the row sent (message_id), so a row is sent at most once across nodes
-- and crashes. "sending" is a claim: claimed_by holds it until lease_until,
-- after which another node may take it over (the holder crashed).
-- send_at, lease_until and the *_at columns are unix milliseconds, as
-- everywhere; time_zone is the IANA zone the agent picked the time in,
-- kept to show the time as they meant it.
CREATE TABLE scheduled_messages (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  number_id INTEGER NOT NULL REFERENCES numbers(id),
  wa_id TEXT NOT NULL,
  created_by INTEGER NOT NULL DEFAULT 0,
  api_key_id INTEGER NOT NULL DEFAULT 0,
  send_at INTEGER NOT NULL,
  time_zone TEXT NOT NULL,
  type TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  reply_to TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending',
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  error_remedy TEXT NOT NULL DEFAULT '',
  message_id INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- What the sender reads every pass: only rows still waiting, so the index
-- stays the size of the queue however long the history grows.
CREATE INDEX scheduled_due ON scheduled_messages(send_at) WHERE status = 'pending';
CREATE INDEX scheduled_claimed ON scheduled_messages(lease_until) WHERE status = 'sending';
CREATE INDEX scheduled_conversation ON scheduled_messages(conversation_id, id);
