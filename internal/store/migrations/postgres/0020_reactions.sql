-- The current reaction of each reactor on a message. A reaction message
-- replaces its reactor's earlier one, so a row per (message, reactor)
-- holds the latest emoji; an emoji of '' is a removal, kept with its time
-- so a late-arriving older reaction cannot bring it back. The reaction
-- messages themselves stay in messages, as they always were.
-- reactor is the customer's wa_id (inbound) or the business number's
-- digits (ours; user_id is the agent who reacted last). source_id is the
-- message row that carried the reaction.
CREATE TABLE reactions (
  message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  reactor TEXT NOT NULL,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  direction TEXT NOT NULL,
  emoji TEXT NOT NULL,
  user_id BIGINT NOT NULL DEFAULT 0,
  source_id BIGINT NOT NULL DEFAULT 0,
  reacted_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, reactor)
);
-- The customer forwarded this message (context.forwarded or
-- frequently_forwarded); Meta says so only on the message itself.
ALTER TABLE messages ADD COLUMN forwarded INTEGER NOT NULL DEFAULT 0;
-- A retry is a new message (a new attempt, a new wamid) linked both ways
-- to the failed one; retried_by is set once, which is what stops a second
-- retry of the same message.
ALTER TABLE messages ADD COLUMN retry_of BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN retried_by BIGINT NOT NULL DEFAULT 0;
-- Whether agents may reply in a conversation assigned to someone else:
-- allow, warn (the inbox asks first) or block.
ALTER TABLE workspaces ADD COLUMN non_assignee_reply TEXT NOT NULL DEFAULT 'warn';
