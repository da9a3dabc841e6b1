package store

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Kinds of search hit.
const (
	SearchHitMessage = "message"
	SearchHitContact = "contact"
)

// Search result limits: the default and the most one call returns.
const (
	SearchDefaultLimit = 20
	SearchMaxLimit     = 100
)

// SearchHit is a message or a contact that matched a search, with the
// conversation to open for it.
type SearchHit struct {
	Kind           string // SearchHitMessage or SearchHitContact
	ConversationID int64
	MessageID      int64 // 0 for a contact
	ContactID      int64
	ContactName    string
	// At orders the hits: the message's timestamp, or for a contact the
	// last message of its conversation.
	At time.Time
	// Snippet is plain text with each matching word between « and » (see
	// snippet).
	Snippet string
}

// Search finds the workspace's messages whose text, and contacts whose name
// or number, match q: every word of q must occur, the last one as a prefix
// while it may still be being typed, case and accents ignored. A contact is
// reported with its most recent conversation; one with no conversation yet
// has nothing to open in the inbox and is left out. Hits come newest first,
// at most limit of them.
//
// Every hit names its conversation, so a caller that may show only some
// conversations (an agent limited to their own) filters the hits.
func (db *DB) Search(ctx context.Context, workspaceID int64, q string, limit int) ([]SearchHit, error) {
	if strings.TrimSpace(q) == "" {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "Pass the words to look for in q, for example /api/v1/search?q=invoice.", "the search query q is empty")
	}
	if limit <= 0 {
		limit = SearchDefaultLimit
	}
	limit = min(limit, SearchMaxLimit)
	sq := parseSearch(q)
	hits := []SearchHit{}
	if len(sq.terms) == 0 {
		return hits, nil // only punctuation: no word to look for
	}
	msgs, err := db.searchMessages(ctx, workspaceID, sq, limit)
	if err != nil {
		return nil, err
	}
	contacts, err := db.searchContacts(ctx, workspaceID, sq, limit)
	if err != nil {
		return nil, err
	}
	hits = append(append(hits, contacts...), msgs...)
	// Messages come by id and contacts by conversation time; one order for
	// the page. On a tie a contact goes first: it names the whole thread.
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if !a.At.Equal(b.At) {
			return a.At.After(b.At)
		}
		if a.Kind != b.Kind {
			return a.Kind == SearchHitContact
		}
		return a.MessageID > b.MessageID
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// searchMessages returns the newest limit matching messages, newest first
// by id. On SQLite the FTS5 table is walked from its highest rowid down,
// so LIMIT stops the walk early however common the words are. On
// PostgreSQL see pgMessageHits.
func (db *DB) searchMessages(ctx context.Context, workspaceID int64, sq searchQuery, limit int) ([]SearchHit, error) {
	const cols = `SELECT m.id, m.conversation_id, m.contact_id, c.name, m.ts, m.text`
	var query string
	var args []any
	if db.Dialect == SQLite {
		query = cols + `
			FROM messages_fts f
			JOIN messages m ON m.id = f.rowid
			JOIN contacts c ON c.id = m.contact_id
			WHERE messages_fts MATCH $1 AND m.workspace_id = $2
			ORDER BY f.rowid DESC LIMIT $3`
		args = []any{ftsMatch(sq.terms), workspaceID, limit}
	} else {
		ids, common, err := db.pgMessageHits(ctx, workspaceID, tsQuery(sq.terms), limit)
		if err != nil {
			return nil, err
		}
		if common {
			query = cols + `
				FROM messages m
				JOIN contacts c ON c.id = m.contact_id
				WHERE m.search_vector @@ to_tsquery('simple', gohavi_fold($1)) AND m.workspace_id = $2
				ORDER BY m.id DESC LIMIT $3`
			args = []any{tsQuery(sq.terms), workspaceID, limit}
		} else if len(ids) == 0 {
			return nil, nil
		} else {
			query = cols + `
				FROM messages m
				JOIN contacts c ON c.id = m.contact_id
				WHERE m.id IN (` + inList(ids, &args) + `)
				ORDER BY m.id DESC`
		}
	}
	rows, err := db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		h := SearchHit{Kind: SearchHitMessage}
		var ts int64
		var text string
		if err := rows.Scan(&h.MessageID, &h.ConversationID, &h.ContactID, &h.ContactName, &ts, &text); err != nil {
			return nil, err
		}
		h.At, h.Snippet = domain.FromMillis(ts), snippet(text, sq.terms)
		out = append(out, h)
	}
	return out, rows.Err()
}

// pgIndexFirst is how many matches PostgreSQL fetches through the GIN
// index before it calls the words common.
const pgIndexFirst = 2000

// pgMessageHits finds where PostgreSQL should look. The planner guesses a
// word's frequency from statistics that say little about rare words: at a
// million messages it took a word in a handful of messages for a common
// one and walked the primary key backwards through 700,000 rows (340 ms).
// So ask the index first, for at most pgIndexFirst matches: when there are
// no more, they are all the matches and the newest limit of them are
// returned; when there are more, the words are common and walking the
// primary key backwards finds the newest ones within a few pages
// (common is true, ids nil).
func (db *DB) pgMessageHits(ctx context.Context, workspaceID int64, tsq string, limit int) (ids []int64, common bool, err error) {
	ids, err = scanIDs(db.R.QueryContext(ctx, `SELECT id FROM messages
		WHERE search_vector @@ to_tsquery('simple', gohavi_fold($1)) AND workspace_id = $2 LIMIT $3`, tsq, workspaceID, pgIndexFirst+1))
	if err != nil || len(ids) > pgIndexFirst {
		return nil, err == nil, err
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return ids[:min(limit, len(ids))], false, nil
}

// searchContacts returns matching contacts that have a conversation, each
// with its most recent one, most recently active first. On SQLite the
// FTS5 table drives the join, so the cost follows the number of matching
// contacts, not of the workspace's contacts; on PostgreSQL the planner
// picks, from the GIN index's estimate.
func (db *DB) searchContacts(ctx context.Context, workspaceID int64, sq searchQuery, limit int) ([]SearchHit, error) {
	from := `contacts c`
	match := `c.search_vector @@ to_tsquery('simple', gohavi_fold($2))`
	arg := tsQuery(sq.contactTerms())
	if db.Dialect == SQLite {
		from = `contacts_fts f JOIN contacts c ON c.id = f.rowid`
		match = `contacts_fts MATCH $2`
		arg = ftsMatch(sq.contactTerms())
	}
	rows, err := db.R.QueryContext(ctx, `SELECT c.id, c.name, c.phone, c.wa_id, v.id, v.last_message_at
		FROM `+from+`
		JOIN conversations v ON v.contact_id = c.id
		WHERE c.workspace_id = $1 AND `+match+`
		AND NOT EXISTS (SELECT 1 FROM conversations n WHERE n.contact_id = c.id
			AND (n.last_message_at > v.last_message_at OR (n.last_message_at = v.last_message_at AND n.id > v.id)))
		ORDER BY v.last_message_at DESC, v.id DESC LIMIT $3`, workspaceID, arg, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SearchHit
	for rows.Next() {
		h := SearchHit{Kind: SearchHitContact}
		var phone, waID string
		var at int64
		if err := rows.Scan(&h.ContactID, &h.ContactName, &phone, &waID, &h.ConversationID, &at); err != nil {
			return nil, err
		}
		if phone == "" && waID != "" {
			phone = "+" + waID
		}
		h.At, h.Snippet = domain.FromMillis(at), contactSnippet(h.ContactName, phone, sq)
		out = append(out, h)
	}
	return out, rows.Err()
}
