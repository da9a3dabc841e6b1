-- Working a conversation: where it stands, when a snooze ends, who has it.
-- A deleted member's conversations fall back to unassigned.
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE conversations ADD COLUMN snooze_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN assignee_id BIGINT REFERENCES users(id) ON DELETE SET NULL;
-- The inbox lists newest first by (last_message_at, id) within one status
-- (and one assignee): each list is a union of such ranges, so every page is
-- an index walk of its own length however many conversations there are.
-- They replace conversations_list, which every branch would bypass and
-- every message would still have to update.
DROP INDEX conversations_list;
-- The status index also carries assignee_id and unread_count so the
-- inbox's counts are read from it alone: no extra index to update on
-- every message, as every message changes last_message_at anyway.
CREATE INDEX conversations_status ON conversations(workspace_id, status, last_message_at, id, assignee_id, unread_count);
CREATE INDEX conversations_assignee ON conversations(workspace_id, assignee_id, status, last_message_at, id);
-- Few conversations are snoozed at a time: the wake-up pass reads a small
-- partial index.
CREATE INDEX conversations_snoozed ON conversations(snooze_until) WHERE status = 'snoozed';
-- Presence, shared by every node: written at most every 15 s per member.
ALTER TABLE users ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN auto_assign TEXT NOT NULL DEFAULT 'off';
ALTER TABLE workspaces ADD COLUMN agents_see TEXT NOT NULL DEFAULT 'all';
-- The round-robin's position, in the database so every node continues it.
ALTER TABLE workspaces ADD COLUMN last_assigned_user_id BIGINT NOT NULL DEFAULT 0;
-- Who did what to a conversation. actor_id is a user, an API key or a
-- contact, by actor_kind; names are looked up when read, so they follow
-- renames.
CREATE TABLE conversation_activity (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  assignee_id BIGINT NOT NULL DEFAULT 0,
  from_assignee_id BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT '',
  from_status TEXT NOT NULL DEFAULT '',
  snooze_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX conversation_activity_conversation ON conversation_activity(conversation_id, id);
