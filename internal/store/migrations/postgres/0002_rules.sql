-- Templates, the consent ledger and messaging-limit (tier) slots.
CREATE TABLE templates (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  waba_id TEXT NOT NULL,
  meta_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  quality TEXT NOT NULL DEFAULT 'UNKNOWN',
  paused_until BIGINT NOT NULL DEFAULT 0,
  components BYTEA NOT NULL,
  parameter_format TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (workspace_id, waba_id, name, language)
);
-- Webhooks are routed by WABA, across workspaces.
CREATE INDEX templates_meta ON templates(meta_id) WHERE meta_id <> '';
CREATE INDEX templates_waba ON templates(waba_id, name, language);
CREATE TABLE consent_events (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  action TEXT NOT NULL,
  source TEXT NOT NULL,
  wording TEXT NOT NULL DEFAULT '',
  evidence TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events(contact_id, id);
CREATE TABLE portfolios (
  id TEXT PRIMARY KEY,
  tier TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
-- The last time each customer was reached by a business-initiated message.
CREATE TABLE tier_slots (
  portfolio TEXT NOT NULL,
  wa_id TEXT NOT NULL,
  reached_at BIGINT NOT NULL,
  PRIMARY KEY (portfolio, wa_id)
);
CREATE INDEX tier_slots_window ON tier_slots(portfolio, reached_at);
