-- A number's standing as Meta reports it (domain.NumberHealth, JSON: read
-- and written whole, never queried by field), whether it is disconnected,
-- and the history of changes.
ALTER TABLE numbers ADD COLUMN health TEXT NOT NULL DEFAULT '{}';
ALTER TABLE numbers ADD COLUMN disconnected_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE numbers ADD COLUMN callback_override TEXT NOT NULL DEFAULT '';
CREATE TABLE number_events (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  number_id BIGINT NOT NULL REFERENCES numbers(id),
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  from_value TEXT NOT NULL,
  to_value TEXT NOT NULL,
  detail TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX number_events_number ON number_events(number_id, at);
