-- Internal notes on a conversation. They never reach the customer: nothing
-- that sends reads this table. A note sits in the thread right after the
-- newest message there was when it was written (after_message_id), so the
-- timeline pages notes and messages by the messages' own id index instead
-- of a new index on the hot messages table.
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  author_user_id INTEGER NOT NULL DEFAULT 0,
  author_key_id INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL,
  after_message_id INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX notes_thread ON notes(conversation_id, after_message_id, id);
-- The members a note @mentions, in order of first mention (ord); indexed by
-- member for a "mentions of me" view.
CREATE TABLE note_mentions (
  note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  PRIMARY KEY (note_id, user_id)
);
CREATE INDEX note_mentions_user ON note_mentions(user_id, note_id);
-- The workspace's label catalogue; conversation_labels (0014) holds which
-- conversation carries which label, by the same normalised name.
CREATE TABLE labels (
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  color TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, name)
);
-- Canned responses, inserted by "/shortcut" in the composer.
CREATE TABLE canned_responses (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  shortcut TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, shortcut)
);
