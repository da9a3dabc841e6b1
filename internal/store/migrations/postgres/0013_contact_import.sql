-- Contacts carry attributes (free key/values from imports and forms) and
-- tags, which broadcast audiences select on.
ALTER TABLE contacts ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
CREATE TABLE contact_tags (
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags(workspace_id, tag);
