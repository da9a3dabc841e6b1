-- A template's time-to-live (Meta's message_send_ttl_seconds): how long
-- Meta keeps trying to deliver a send before dropping it. 0 is Meta's
-- default for the category; -1 is 30 days.
ALTER TABLE templates ADD COLUMN ttl_seconds INTEGER NOT NULL DEFAULT 0;
