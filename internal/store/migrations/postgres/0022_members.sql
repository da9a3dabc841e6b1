-- Members are deactivated, never deleted: their notes, messages, activity
-- and mentions keep naming them. 0 is active; a deactivated member cannot
-- log in, is not listed, assigned or given round-robin turns.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT NOT NULL DEFAULT 0;
-- Revoking a member's sessions (deactivation, a password reset).
CREATE INDEX sessions_user ON sessions(user_id);
