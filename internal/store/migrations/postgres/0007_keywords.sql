-- Opt-out and opt-in keywords a workspace edits. The built-in words live
-- in code (store.BuiltinKeywords), so a better default list reaches every
-- workspace; a workspace stores only what differs from it: its own words,
-- and the built-in words it switched off (a business where "END" or "YES"
-- is a normal answer). Words are stored normalised (trimmed, spaces folded,
-- lower-cased). One row per word: a word cannot both opt out and opt in.
CREATE TABLE opt_keywords (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  language TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
  word TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (workspace_id, word)
);
CREATE TABLE opt_keywords_off (
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  word TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, word)
);
-- The confirmation sent after a keyword, per language; the English
-- defaults live in code.
CREATE TABLE opt_keyword_replies (
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  language TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
  text TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, language, action)
);
-- Bumped by every change to a workspace's keywords, so that each node's
-- cache of them can tell with one small read whether it is stale.
ALTER TABLE workspaces ADD COLUMN keywords_version BIGINT NOT NULL DEFAULT 0;
