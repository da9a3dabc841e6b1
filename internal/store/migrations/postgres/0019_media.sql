-- Files of messages: a customer's, downloaded from Meta by a job (pending
-- until stored, failed with a readable error), and uploads to send (ready
-- at once). message_id links an inbound file to its message and an upload
-- to the first message that used it; later sends reuse the row through
-- their payload's media_id instead of copying the bytes. For an upload,
-- meta_media_id caches Meta's id for number_id, so a retried send does
-- not upload again. data is stored out of line (TOAST), so queries for
-- the other columns never read it, and uncompressed (EXTERNAL): images,
-- video and audio are compressed already.
CREATE TABLE media (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id),
  message_id BIGINT REFERENCES messages(id) ON DELETE CASCADE,
  number_id BIGINT NOT NULL DEFAULT 0,
  direction TEXT NOT NULL,
  meta_media_id TEXT NOT NULL DEFAULT '',
  meta_at BIGINT NOT NULL DEFAULT 0,
  mime_type TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL DEFAULT '',
  size BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  data BYTEA
);
CREATE UNIQUE INDEX media_message ON media(message_id);
ALTER TABLE media ALTER COLUMN data SET STORAGE EXTERNAL;
