-- Meta's free-entry-point window (pricing): a customer who came from a
-- click-to-WhatsApp ad and is answered within 24 hours opens 72 hours in
-- which every message, templates too, is free.
ALTER TABLE conversations ADD COLUMN fep_reply_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN fep_expires_at BIGINT NOT NULL DEFAULT 0;
