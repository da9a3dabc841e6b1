package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gohavi/gohavi/internal/domain"
)

// Keyword is a word that opts a customer out of, or back into, a
// workspace's messages when it is the whole of an inbound text.
type Keyword struct {
	Language string // a short language code: "en", "pt-BR", "hi"
	Action   string // domain.ConsentOptOut or domain.ConsentOptIn
	Word     string // normalised, see NormalizeKeyword
	Builtin  bool   // one of BuiltinKeywords rather than the workspace's own
	Enabled  bool   // false only for a built-in word the workspace switched off
}

// KeywordReply is the confirmation sent after a keyword in one language.
type KeywordReply struct {
	Language, Action, Text string
	Default                bool // not saved by the workspace: the text that is sent anyway
}

// Limits on what a workspace edits. A keyword is matched against a whole
// message, so a long one would never be typed; the cap on the number of
// words keeps every node's cache of them small.
const (
	MaxKeywordRunes      = 64
	MaxKeywordReplyRunes = 1024
	MaxOwnKeywords       = 500
)

// builtinLists are the keywords every workspace starts with: English
// carrier-style words plus a modest list of common equivalents. A word is
// filed under one language only, the one its confirmation is written in
// (PARAR is Portuguese here, though Spanish uses it too).
var builtinLists = []struct {
	language, action string
	words            []string
}{
	{"en", domain.ConsentOptOut, []string{"STOP", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT", "OPTOUT"}},
	{"en", domain.ConsentOptIn, []string{"START", "UNSTOP", "SUBSCRIBE", "YES"}},
	{"es", domain.ConsentOptOut, []string{"ALTO", "BAJA"}},
	{"pt", domain.ConsentOptOut, []string{"PARAR", "SAIR"}},
	{"fr", domain.ConsentOptOut, []string{"ARRÊT", "ARRET"}},
	{"de", domain.ConsentOptOut, []string{"STOPP", "ABMELDEN"}},
	{"it", domain.ConsentOptOut, []string{"BASTA"}},
	{"ru", domain.ConsentOptOut, []string{"СТОП", "ДОСТАТОЧНО"}},
}

var builtinByWord = func() map[string]Keyword {
	m := map[string]Keyword{}
	for _, l := range builtinLists {
		for _, w := range l.words {
			k := Keyword{Language: l.language, Action: l.action, Word: NormalizeKeyword(w), Builtin: true, Enabled: true}
			if _, dup := m[k.Word]; dup {
				panic("builtin keyword listed twice: " + w)
			}
			m[k.Word] = k
		}
	}
	return m
}()

// BuiltinKeywords returns the default keywords, all enabled, in order.
func BuiltinKeywords() []Keyword {
	out := make([]Keyword, 0, len(builtinByWord))
	for _, k := range builtinByWord {
		out = append(out, k)
	}
	sortKeywords(out)
	return out
}

// The English confirmations a workspace that saved none of its own sends.
var defaultReplies = map[string]string{
	domain.ConsentOptOut: "You are unsubscribed and will get no more messages from us. Reply START to subscribe again.",
	domain.ConsentOptIn:  "You are subscribed again. Reply STOP to unsubscribe.",
}

// DefaultKeywordReply is the built-in English confirmation for action.
func DefaultKeywordReply(action string) string { return defaultReplies[action] }

// NormalizeKeyword is how a keyword and a message body are compared:
// trimmed, runs of white space folded to one space, lower-cased.
func NormalizeKeyword(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// NormalizeLanguage checks a short BCP-47-style code (2–8 letters, then
// optionally "-" or "_" and a 2–8 character region or script) and returns
// it in one spelling: "pt_br" becomes "pt-BR", so both find the same reply.
func NormalizeLanguage(s string) (string, error) {
	primary, sub, hasSub := strings.Cut(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"), "-")
	if !runsOf(primary, 2, 8, isASCIILetter) || hasSub && !runsOf(sub, 2, 8, isASCIIAlnum) {
		return "", domain.Errorf(domain.CodeInvalidArgument, "Use a language code such as en, es, hi or pt-BR.", "%q is not a language code", clip(s, 20))
	}
	primary = strings.ToLower(primary)
	if !hasSub {
		return primary, nil
	}
	switch {
	case len(sub) == 2:
		sub = strings.ToUpper(sub) // region: BR
	case len(sub) == 4 && runsOf(sub, 4, 4, isASCIILetter):
		sub = strings.ToUpper(sub[:1]) + strings.ToLower(sub[1:]) // script: Hant
	default:
		sub = strings.ToLower(sub)
	}
	return primary + "-" + sub, nil
}

func runsOf(s string, lo, hi int, ok func(byte) bool) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := range len(s) {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func checkKeywordAction(action string) error {
	if action != domain.ConsentOptOut && action != domain.ConsentOptIn {
		return domain.Errorf(domain.CodeInvalidArgument, "Use opt_out or opt_in.", "unknown keyword action %q", clip(action, 20))
	}
	return nil
}

// normalizeWord normalises and checks a keyword a workspace adds.
func normalizeWord(s string) (string, error) {
	w := NormalizeKeyword(s)
	switch {
	case w == "":
		return "", domain.Errorf(domain.CodeInvalidArgument, "Give the word, for example STOP.", "the keyword is empty")
	case !utf8.ValidString(w) || strings.ContainsFunc(w, unicode.IsControl):
		return "", domain.Errorf(domain.CodeInvalidArgument, "Type the word as the customer would write it.", "the keyword contains characters that are not text")
	case utf8.RuneCountInString(w) > MaxKeywordRunes:
		return "", domain.Errorf(domain.CodeInvalidArgument, "Keywords are matched against the whole message; use a short word.", "the keyword is longer than %d characters", MaxKeywordRunes)
	}
	return w, nil
}

func actionName(action string) string {
	if action == domain.ConsentOptIn {
		return "opt-in"
	}
	return "opt-out"
}

// keywordConflict explains why want cannot be added next to have.
func keywordConflict(have, want Keyword) error {
	what := fmt.Sprintf("%q is already one of your %s keywords (%s)", have.Word, actionName(have.Action), have.Language)
	if have.Builtin {
		what = fmt.Sprintf("%q is already a built-in %s keyword (%s)", have.Word, actionName(have.Action), have.Language)
	}
	remedy := "Nothing to do: the word is honoured already."
	switch {
	case have.Action != want.Action:
		what += "; a word cannot both opt out and opt in"
		remedy = "Remove it from the " + actionName(have.Action) + " words first."
		if have.Builtin {
			remedy = "Switch the built-in word off first."
		}
	case have.Language != want.Language && have.Builtin:
		remedy = "To answer it in another language, switch the built-in word off and add it again under that language."
	case have.Language != want.Language:
		remedy = "Remove it first to list it under another language."
	}
	return domain.Errorf(domain.CodeConflict, remedy, "%s", what)
}

func sortKeywords(ks []Keyword) {
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.Language != b.Language {
			return a.Language < b.Language
		}
		if a.Action != b.Action {
			return a.Action == domain.ConsentOptOut // opt-out words first
		}
		return a.Word < b.Word
	})
}

// Keywords returns a workspace's effective keywords: every built-in word
// (Enabled false if switched off) and its own words, ordered by language,
// action (opt-out first) and word.
func (db *DB) Keywords(ctx context.Context, workspaceID int64) ([]Keyword, error) {
	return workspaceKeywords(ctx, db.R, workspaceID)
}

// Keywords is DB.Keywords inside a transaction (the applier loads a
// workspace's lists in its apply transaction).
func (tx *Tx) Keywords(ctx context.Context, workspaceID int64) ([]Keyword, error) {
	return workspaceKeywords(ctx, tx.tx, workspaceID)
}

func workspaceKeywords(ctx context.Context, q queryer, workspaceID int64) ([]Keyword, error) {
	// One round trip: the workspace's own words, then (off = 1) the
	// built-in words it switched off.
	rows, err := q.QueryContext(ctx, `SELECT 0, language, action, word FROM opt_keywords WHERE workspace_id = $1
		UNION ALL SELECT 1, '', '', word FROM opt_keywords_off WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var own []Keyword
	off := map[string]bool{}
	for rows.Next() {
		var isOff int
		var k Keyword
		if err := rows.Scan(&isOff, &k.Language, &k.Action, &k.Word); err != nil {
			return nil, err
		}
		if isOff == 1 {
			off[k.Word] = true
			continue
		}
		k.Enabled = true
		own = append(own, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Keyword, 0, len(builtinByWord)+len(own))
	for _, k := range builtinByWord {
		k.Enabled = !off[k.Word]
		out = append(out, k)
	}
	out = append(out, own...)
	sortKeywords(out)
	return out, nil
}

var qKeywordsVersion = hot(`SELECT keywords_version FROM workspaces WHERE id = $1`)

// KeywordsVersion changes whenever a workspace's keywords change, so a
// cache of them can tell whether it is stale. Read it before the lists:
// a change in between then only causes one extra reload.
func (db *DB) KeywordsVersion(ctx context.Context, workspaceID int64) (int64, error) {
	var v int64
	err := db.R.QueryRowContext(ctx, qKeywordsVersion, workspaceID).Scan(&v)
	return v, notFound(err)
}

// KeywordsVersion is DB.KeywordsVersion inside a transaction.
func (tx *Tx) KeywordsVersion(ctx context.Context, workspaceID int64) (int64, error) {
	var v int64
	err := tx.queryRow(ctx, qKeywordsVersion, workspaceID).Scan(&v)
	return v, notFound(err)
}

// changeKeywords runs fn in a transaction that first bumps the
// workspace's keywords version. The update also locks the workspace's row
// on PostgreSQL, so concurrent edits of one workspace's keywords take
// turns and the checks in fn hold until commit.
func (db *DB) changeKeywords(ctx context.Context, workspaceID int64, fn func(tx *Tx) error) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE workspaces SET keywords_version = keywords_version + 1 WHERE id = $1`, workspaceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.ErrNotFound
		}
		return fn(tx)
	})
}

func (tx *Tx) ownKeyword(ctx context.Context, workspaceID int64, word string) (Keyword, bool, error) {
	k := Keyword{Word: word, Enabled: true}
	err := tx.tx.QueryRowContext(ctx, `SELECT language, action FROM opt_keywords WHERE workspace_id = $1 AND word = $2`, workspaceID, word).Scan(&k.Language, &k.Action)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

func (tx *Tx) builtinOff(ctx context.Context, workspaceID int64, word string) (bool, error) {
	var one int
	err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM opt_keywords_off WHERE workspace_id = $1 AND word = $2`, workspaceID, word).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// AddKeyword adds one of the workspace's own keywords and returns it
// normalised. Language, action and word are checked (CodeInvalidArgument);
// a word the workspace already has in any language or action, or an
// enabled built-in word, is CodeConflict: a word means one thing. A
// switched-off built-in word may be added, in any language or action.
func (db *DB) AddKeyword(ctx context.Context, workspaceID int64, k Keyword) (Keyword, error) {
	lang, err := NormalizeLanguage(k.Language)
	if err != nil {
		return k, err
	}
	if err := checkKeywordAction(k.Action); err != nil {
		return k, err
	}
	word, err := normalizeWord(k.Word)
	if err != nil {
		return k, err
	}
	want := Keyword{Language: lang, Action: k.Action, Word: word, Enabled: true}
	err = db.changeKeywords(ctx, workspaceID, func(tx *Tx) error {
		if b, ok := builtinByWord[word]; ok {
			off, err := tx.builtinOff(ctx, workspaceID, word)
			if err != nil {
				return err
			}
			if !off {
				return keywordConflict(b, want)
			}
		}
		have, ok, err := tx.ownKeyword(ctx, workspaceID, word)
		if err != nil {
			return err
		}
		if ok {
			return keywordConflict(have, want)
		}
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM opt_keywords WHERE workspace_id = $1`, workspaceID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxOwnKeywords {
			return domain.Errorf(domain.CodeInvalidArgument, "Remove words you no longer need.", "a workspace can have at most %d keywords of its own", MaxOwnKeywords)
		}
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO opt_keywords(workspace_id, language, action, word, created_at) VALUES ($1, $2, $3, $4, $5)`,
			workspaceID, lang, k.Action, word, tx.now)
		if isUniqueViolation(err) { // only if the row lock above did not serialise us
			return domain.Errorf(domain.CodeConflict, "Reload the list and try again.", "%q was added at the same time", word)
		}
		return err
	})
	return want, err
}

// RemoveKeyword removes one of the workspace's own keywords. A built-in
// word is CodeConflict (switch it off instead), any other unknown word
// CodeNotFound.
func (db *DB) RemoveKeyword(ctx context.Context, workspaceID int64, word string) error {
	w := NormalizeKeyword(word)
	return db.changeKeywords(ctx, workspaceID, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `DELETE FROM opt_keywords WHERE workspace_id = $1 AND word = $2`, workspaceID, w)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if b, ok := builtinByWord[w]; ok {
			return domain.Errorf(domain.CodeConflict, "Switch the built-in word off instead.", "%q is a built-in %s keyword and cannot be removed", b.Word, actionName(b.Action))
		}
		return domain.Errorf(domain.CodeNotFound, "Check the word against the list of keywords.", "%q is not one of the workspace's keywords", clip(w, MaxKeywordRunes))
	})
}

// SetBuiltinKeyword switches a built-in word off or back on for one
// workspace and returns it. A word that is not built in is CodeNotFound;
// switching on a word the workspace has added as its own is CodeConflict.
func (db *DB) SetBuiltinKeyword(ctx context.Context, workspaceID int64, word string, enabled bool) (Keyword, error) {
	b, ok := builtinByWord[NormalizeKeyword(word)]
	if !ok {
		return Keyword{}, domain.Errorf(domain.CodeNotFound, "Only built-in words are switched off and on; remove your own words instead.", "%q is not a built-in keyword", clip(NormalizeKeyword(word), MaxKeywordRunes))
	}
	b.Enabled = enabled
	err := db.changeKeywords(ctx, workspaceID, func(tx *Tx) error {
		if !enabled {
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO opt_keywords_off(workspace_id, word, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, workspaceID, b.Word, tx.now)
			return err
		}
		have, ok, err := tx.ownKeyword(ctx, workspaceID, b.Word)
		if err != nil {
			return err
		}
		if ok {
			return domain.Errorf(domain.CodeConflict, "Remove your own word first.",
				"%q is one of your %s keywords (%s), which stands in for the built-in word", have.Word, actionName(have.Action), have.Language)
		}
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM opt_keywords_off WHERE workspace_id = $1 AND word = $2`, workspaceID, b.Word)
		return err
	})
	return b, err
}

// KeywordReplies returns the confirmations a workspace saved, plus the
// built-in English ones it did not replace (Default), ordered by language
// and action (opt-out first).
func (db *DB) KeywordReplies(ctx context.Context, workspaceID int64) ([]KeywordReply, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT language, action, text FROM opt_keyword_replies WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []KeywordReply
	saved := map[string]bool{}
	for rows.Next() {
		var r KeywordReply
		if err := rows.Scan(&r.Language, &r.Action, &r.Text); err != nil {
			return nil, err
		}
		saved[r.Language+"/"+r.Action] = true
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, action := range []string{domain.ConsentOptOut, domain.ConsentOptIn} {
		if !saved["en/"+action] {
			out = append(out, KeywordReply{Language: "en", Action: action, Text: defaultReplies[action], Default: true})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Language != out[j].Language {
			return out[i].Language < out[j].Language
		}
		return out[i].Action == domain.ConsentOptOut && out[j].Action != domain.ConsentOptOut
	})
	return out, nil
}

// SetKeywordReply saves a workspace's confirmation for one language and
// action; an empty text removes it, so the fallback applies again. It
// returns the reply that will now be sent (Default when it is a fallback).
func (db *DB) SetKeywordReply(ctx context.Context, workspaceID int64, r KeywordReply) (KeywordReply, error) {
	lang, err := NormalizeLanguage(r.Language)
	if err != nil {
		return r, err
	}
	if err := checkKeywordAction(r.Action); err != nil {
		return r, err
	}
	text := strings.TrimSpace(clean(r.Text))
	if n := utf8.RuneCountInString(text); n > MaxKeywordReplyRunes || !utf8.ValidString(text) {
		return r, domain.Errorf(domain.CodeInvalidArgument, "Keep the confirmation short: one or two sentences.", "the reply must be valid text of at most %d characters", MaxKeywordReplyRunes)
	}
	if text == "" {
		_, err = db.W.ExecContext(ctx, `DELETE FROM opt_keyword_replies WHERE workspace_id = $1 AND language = $2 AND action = $3`, workspaceID, lang, r.Action)
	} else {
		_, err = db.W.ExecContext(ctx, `INSERT INTO opt_keyword_replies(workspace_id, language, action, text, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (workspace_id, language, action) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
			workspaceID, lang, r.Action, text, db.now())
	}
	if err != nil {
		return r, err
	}
	sent, exact, err := db.keywordReply(ctx, workspaceID, lang, r.Action)
	return KeywordReply{Language: lang, Action: r.Action, Text: sent, Default: !exact}, err
}

// KeywordReplyText is the confirmation to send after a keyword of action
// in language: the workspace's text for that language, else for its
// primary language ("pt" for "pt-BR"), else its English text, else the
// built-in English one.
func (db *DB) KeywordReplyText(ctx context.Context, workspaceID int64, language, action string) (string, error) {
	text, _, err := db.keywordReply(ctx, workspaceID, language, action)
	return text, err
}

// keywordReply also reports whether the text is the one saved for exactly
// that language.
func (db *DB) keywordReply(ctx context.Context, workspaceID int64, language, action string) (string, bool, error) {
	lang, err := NormalizeLanguage(language)
	if err != nil {
		lang = "en"
	}
	primary, _, _ := strings.Cut(lang, "-")
	prefs := []string{lang, primary, "en"}
	rows, err := db.R.QueryContext(ctx, `SELECT language, text FROM opt_keyword_replies WHERE workspace_id = $1 AND action = $2 AND language IN ($3, $4, $5)`,
		workspaceID, action, prefs[0], prefs[1], prefs[2])
	if err != nil {
		return defaultReplies[action], false, err
	}
	defer rows.Close()
	found := map[string]string{}
	for rows.Next() {
		var l, t string
		if err := rows.Scan(&l, &t); err != nil {
			return defaultReplies[action], false, err
		}
		found[l] = t
	}
	if err := rows.Err(); err != nil {
		return defaultReplies[action], false, err
	}
	for _, l := range prefs {
		if t, ok := found[l]; ok {
			return t, l == lang, nil
		}
	}
	return defaultReplies[action], false, nil
}
