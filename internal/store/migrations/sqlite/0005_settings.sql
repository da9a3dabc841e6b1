-- Workspace settings that change what the rules allow.
ALTER TABLE workspaces ADD COLUMN block_marketing_on_red INTEGER NOT NULL DEFAULT 0;
