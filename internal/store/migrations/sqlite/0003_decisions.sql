-- Every policy decision is kept: allowed sends carry theirs on the
-- message; refusals (which create no message) are kept here, so a person
-- can later see why something was blocked.
ALTER TABLE messages ADD COLUMN policy TEXT NOT NULL DEFAULT '';
CREATE TABLE policy_denials (
  id INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id),
  number_id INTEGER NOT NULL DEFAULT 0,
  wa_id TEXT NOT NULL,
  type TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT '',
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX policy_denials_recent ON policy_denials(workspace_id, created_at);
