package store

import (
	"strings"
	"testing"
)

func TestParseSearch(t *testing.T) {
	for _, c := range []struct {
		q, fts, ts, phone string
	}{
		{"lis", `"lis"*`, `'lis':*`, ""},
		{"lisbon ", `"lisbon"`, `'lisbon'`, ""},
		{"a", `"a"`, `'a'`, ""},
		{"São Paulo", `"São" "Paulo"*`, `'São' & 'Paulo':*`, ""},
		{"del* order", `"del"* "order"*`, `'del':* & 'order':*`, ""},
		{`"AND" OR -x col:val %`, `"AND" "OR" "x" "col" "val"`, `'AND' & 'OR' & 'x' & 'col' & 'val'`, ""},
		{"O'Brien", `"O" "Brien"*`, `'O' & 'Brien':*`, ""},
		{"\u0301 e\u0301", "\"e\u0301\"*", "'e\u0301':*", ""}, // a mark alone is no word
		{"+44 (0)7700-900", `"44" "0" "7700" "900"*`, `'44' & '0' & '7700' & '900':*`, "4407700900"},
		{"007700", `"007700"*`, `'007700':*`, "7700"},
		{"12", `"12"*`, `'12':*`, ""},
		{"*", ``, ``, ""},
	} {
		sq := parseSearch(c.q)
		if got := ftsMatch(sq.terms); got != c.fts {
			t.Errorf("%q: fts %s, want %s", c.q, got, c.fts)
		}
		if got := tsQuery(sq.terms); got != c.ts {
			t.Errorf("%q: tsquery %s, want %s", c.q, got, c.ts)
		}
		if sq.phone != c.phone {
			t.Errorf("%q: phone %q, want %q", c.q, sq.phone, c.phone)
		}
	}
	many := parseSearch("a b c d e f g h i j k l m n o p q r s")
	if len(many.terms) != maxSearchTerms || many.terms[maxSearchTerms-1].prefix {
		t.Errorf("many words: %+v", many.terms)
	}
	long := parseSearch(strings.Repeat("é", 100) + " y")
	if len([]rune(long.terms[0].raw)) != maxSearchTermLen || !long.terms[0].prefix {
		t.Errorf("long word: %+v", long.terms[0])
	}
}
