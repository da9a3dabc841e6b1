package store

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Bounds on what a query may ask of the index. A pasted paragraph becomes
// its first words; a very long "word" is kept as a prefix, so the message it
// came from is still found.
const (
	maxSearchTerms    = 16
	maxSearchTermLen  = 64
	minPrefixTermLen  = 2 // a one-letter prefix would match most of the index
	minPhoneDigits    = 3
	snippetMaxRunes   = 160
	snippetLeadRunes  = 50
	snippetMarkOpen   = "«"
	snippetMarkClose  = "»"
	snippetEllipsis   = "…"
	contactSnippetSep = " · "
)

// searchTerm is one word of a query, as typed (raw) and as compared (folded).
type searchTerm struct {
	raw, folded string
	prefix      bool
}

// searchQuery is q split into words the way both engines' indexes split
// text: runs of letters, digits and combining marks. Everything else (FTS5
// and tsquery operators, quotes, %) is a separator, so no input can reach
// the engines as syntax.
type searchQuery struct {
	terms []searchTerm
	// phone holds the digits of a query that looks like a phone number
	// ("+44 7700 900123", "07700-900"), leading zeros dropped so national
	// and international forms both match; contacts are then matched on it
	// as one prefix of a suffix of their number, that is anywhere in it.
	phone string
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// wordSpans are the [start, end) runs of word runes in rs.
func wordSpans(rs []rune) [][2]int {
	var out [][2]int
	for i := 0; i < len(rs); {
		if !isWordRune(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isWordRune(rs[j]) {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

func parseSearch(q string) searchQuery {
	var out searchQuery
	rs := []rune(q)
	for _, sp := range wordSpans(rs) {
		if len(out.terms) == maxSearchTerms {
			break
		}
		w, j := rs[sp[0]:sp[1]], sp[1]
		if !slices.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue // marks alone fold to nothing, and '' is not a lexeme
		}
		// "word*" asks for a prefix anywhere. Search-as-you-type: the last
		// word may be unfinished, unless something after it (a space) says
		// it is complete.
		star, last := j < len(rs) && rs[j] == '*', j == len(rs)
		t := searchTerm{prefix: (star || last) && len(w) >= minPrefixTermLen}
		if len(w) > maxSearchTermLen {
			w, t.prefix = w[:maxSearchTermLen], true
		}
		t.raw = string(w)
		t.folded = fold(t.raw)
		out.terms = append(out.terms, t)
	}
	out.phone = phoneDigits(q)
	return out
}

// phoneDigits returns the digits of q when q is written like a phone
// number: digits and the usual punctuation only, at least minPhoneDigits.
func phoneDigits(q string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(q) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" +-().", r):
		default:
			return ""
		}
	}
	d := strings.TrimLeft(b.String(), "0")
	if len(d) < minPhoneDigits {
		return ""
	}
	if len(d) > maxSearchTermLen {
		d = d[:maxSearchTermLen]
	}
	return d
}

// fold is what the indexes do to a word before comparing: lower case, and
// accents removed, so "São" and "sao" are the same word.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// ftsMatch is the FTS5 query for terms: every term must occur. Each term is
// quoted as an FTS5 string, so words such as AND, NEAR or col:val are
// searched for, not obeyed.
func ftsMatch(terms []searchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t.raw, `"`, `""`) + `"`
		if t.prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " ")
}

// tsQuery is the to_tsquery text for terms. Each is a quoted lexeme; the
// database folds the whole string with gohavi_fold (see the migration) so
// the query and the indexed text are folded by the same function.
func tsQuery(terms []searchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + tsQuote.Replace(t.raw) + "'"
		if t.prefix {
			parts[i] += ":*"
		}
	}
	return strings.Join(parts, " & ")
}

var tsQuote = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// contactTerms are the terms contacts are matched on: a phone-like query is
// one run of digits, found anywhere in the contact's number.
func (sq searchQuery) contactTerms() []searchTerm {
	if sq.phone != "" {
		return []searchTerm{{raw: sq.phone, folded: sq.phone, prefix: true}}
	}
	return sq.terms
}

func (t searchTerm) matches(word string) bool {
	return word == t.folded || (t.prefix && strings.HasPrefix(word, t.folded))
}

// unmark shows the text's own guillemets as single ones, so that every «
// in a snippet opens a match.
var unmark = strings.NewReplacer(snippetMarkOpen, "‹", snippetMarkClose, "›")

// snippet returns text around its first match, on one line, at most about
// snippetMaxRunes long, with each matching word between « and ». The
// markers are unambiguous: guillemets already in the text are shown as ‹ ›.
// Snippets are made here, not by the engines: ts_headline cannot see that
// "Sao" matched "São" (that needs the unaccent extension), and one
// implementation gives both engines the same output.
func snippet(text string, terms []searchTerm) string {
	text = strings.Join(strings.Fields(text), " ")
	text = unmark.Replace(text)
	rs := []rune(text)
	type span struct {
		start, end int
		hit        bool
	}
	var words []span
	first := -1
	for _, sp := range wordSpans(rs) {
		i, j := sp[0], sp[1]
		w := fold(string(rs[i:j]))
		hit := false
		for _, t := range terms {
			if t.matches(w) {
				hit = true
				break
			}
		}
		if hit && first < 0 {
			first = len(words)
		}
		words = append(words, span{i, j, hit})
	}
	start, end := 0, len(rs)
	if len(rs) > snippetMaxRunes {
		if first >= 0 && words[first].start > snippetLeadRunes {
			// Lead into the match, but use the room a match near the end
			// leaves; and begin at a word, not inside one.
			start = min(words[first].start-snippetLeadRunes, len(rs)-snippetMaxRunes)
			for _, w := range words {
				if w.start >= start {
					start = w.start
					break
				}
			}
		}
		end = min(start+snippetMaxRunes, len(rs))
		if end < len(rs) && isWordRune(rs[end]) {
			for k := len(words) - 1; k >= 0; k-- {
				if words[k].end <= end && words[k].start >= start {
					end = words[k].end
					break
				}
			}
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString(snippetEllipsis)
	}
	pos := start
	for _, w := range words {
		if !w.hit || w.start < start || w.end > end {
			continue
		}
		b.WriteString(string(rs[pos:w.start]))
		b.WriteString(snippetMarkOpen + string(rs[w.start:w.end]) + snippetMarkClose)
		pos = w.end
	}
	b.WriteString(string(rs[pos:end]))
	if end < len(rs) {
		b.WriteString(snippetEllipsis)
	}
	return b.String()
}

// contactSnippet is the contact's name with matching words marked, and its
// phone number with the digits a phone-like query matched marked.
func contactSnippet(name, phone string, sq searchQuery) string {
	phone = unmark.Replace(phone)
	digits := sq.phone
	if digits == "" {
		for _, t := range sq.terms {
			if isDigits(t.raw) && len(t.raw) >= minPhoneDigits {
				digits = t.raw
				break
			}
		}
	}
	phone = markDigits(phone, digits)
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return phone
	case phone == "":
		return snippet(name, sq.terms)
	}
	return snippet(name, sq.terms) + contactSnippetSep + phone
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// markDigits marks the first run of phone that spells digits, skipping the
// spaces and dashes of a formatted number.
func markDigits(phone, digits string) string {
	if digits == "" {
		return phone
	}
	rs := []rune(phone)
	var ds []rune
	var at []int // position in rs of each digit
	for i, r := range rs {
		if r >= '0' && r <= '9' {
			ds = append(ds, r)
			at = append(at, i)
		}
	}
	k := strings.Index(string(ds), digits)
	if k < 0 {
		return phone
	}
	from, to := at[k], at[k+len(digits)-1]+1
	return string(rs[:from]) + snippetMarkOpen + string(rs[from:to]) + snippetMarkClose + string(rs[to:])
}
