-- Full-text search for the inbox (GET /api/v1/search), with no extension:
-- pg_trgm and unaccent are not available to every deployment, and an
-- extension lives in one schema of the database, outside ours.
--
-- gohavi_fold does what SQLite's unicode61 remove_diacritics does: lower
-- case, accents removed (NFD, then the combining marks dropped), so "sao"
-- finds "São". normalize needs a UTF8 database, which GoHavi needs anyway
-- for the emoji in messages. It folds the query text (see store.Search).
CREATE FUNCTION gohavi_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(regexp_replace(normalize(t, NFD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+', '', 'g'))
$$;

-- gohavi_search_text is the text as indexed: folded, and punctuation and
-- symbols made spaces, so words split the way the Go query parser and
-- unicode61 split them (the default parser alone keeps "foo@bar.com" or,
-- under a C locale, "«word»" as one token). It repeats gohavi_fold's body
-- instead of calling it: a generated column is computed again when a dump
-- is restored, under an empty search_path, where our functions can only
-- be found by the schema-qualified name the dump gives the outer call.
CREATE FUNCTION gohavi_search_text(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(
    lower(regexp_replace(normalize(t, NFD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+', '', 'g')),
    '[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00bf\u00d7\u00f7\u2000-\u2bff\u3000-\u303f\ufe30-\ufe4f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff]+',
    ' ', 'g')
$$;

-- Every suffix of three or more digits of a number (at most 13, as E.164
-- numbers have at most 15 digits), so a prefix query on digits matches
-- anywhere in it; the same suffixes as SQLite's contacts_search_doc.
CREATE FUNCTION gohavi_phone_suffixes(d text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(substr(d, i), ' '), '') FROM generate_series(1, least(length(d) - 2, 13)) AS i
$$;

-- Generated columns fill themselves for existing rows (the table is
-- rewritten once, here) and stay in step on every insert and update.
ALTER TABLE messages ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, gohavi_search_text(text))) STORED;
CREATE INDEX messages_search ON messages USING gin (search_vector);

ALTER TABLE contacts ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, gohavi_search_text(name || ' ' || phone) || ' ' || gohavi_phone_suffixes(wa_id))) STORED;
CREATE INDEX contacts_search ON contacts USING gin (search_vector);

-- A contact hit opens the contact's most recent conversation.
CREATE INDEX conversations_by_contact ON conversations(contact_id, last_message_at);
