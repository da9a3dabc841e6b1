-- Full-text search for the inbox (GET /api/v1/search). unicode61 with
-- remove_diacritics 2 folds case and accents, so "sao" finds "São".
--
-- Message text is indexed as external content: the index holds no second
-- copy of the text. Triggers keep it in step; 'delete' must be given the
-- old text exactly as it was indexed.
--
-- prefix='2 3' also indexes every word's first two and three letters. A
-- prefix query otherwise gathers the doclists of every word it matches
-- before the newest 20 can be picked: "th" as typed took 17 ms at 200,000
-- messages (0.4 ms with these), for an index twice the size.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  text, content='messages', content_rowid='id', prefix='2 3',
  tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages WHEN old.text IS NOT new.text BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

-- Contacts are found by name and by any run of three or more digits of
-- their number: every suffix of wa_id is indexed, so a prefix query on the
-- digits matches anywhere in it ("0123" finds 447700900123). That document
-- is computed, so the index is contentless (contentless_delete lets a row
-- be removed by rowid) and the view defines the document once, for the
-- triggers and the backfill alike. PostgreSQL's gohavi_phone_suffixes
-- builds the same suffixes.
CREATE VIEW contacts_search_doc AS
  SELECT c.id, c.name,
    coalesce((SELECT group_concat(substr(c.wa_id, j.value), ' ')
              FROM json_each('[1,2,3,4,5,6,7,8,9,10,11,12,13]') AS j
              WHERE j.value <= length(c.wa_id) - 2), '') || ' ' || c.phone AS phone
  FROM contacts c;
CREATE VIRTUAL TABLE contacts_fts USING fts5(
  name, phone, content='', contentless_delete=1,
  tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_fts(rowid, name, phone) SELECT id, name, phone FROM contacts_search_doc WHERE id = new.id;
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, phone, wa_id ON contacts
  WHEN old.name IS NOT new.name OR old.phone IS NOT new.phone OR old.wa_id IS NOT new.wa_id BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.id;
  INSERT INTO contacts_fts(rowid, name, phone) SELECT id, name, phone FROM contacts_search_doc WHERE id = new.id;
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.id;
END;
INSERT INTO contacts_fts(rowid, name, phone) SELECT id, name, phone FROM contacts_search_doc;

-- A contact hit opens the contact's most recent conversation.
CREATE INDEX conversations_by_contact ON conversations(contact_id, last_message_at);
