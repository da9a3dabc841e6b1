package zoho

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// GET /crm/v7/{Module}/search (spec §2.2.3): criteria, email, phone and
// word, 204 when nothing matches, and records invisible until IndexLag
// after their last write. The criteria parser is strict about the forms
// the spec documents, so client bugs (an unescaped "(" or ",", a "+" not
// sent as %2B and so decoded as a space) show up here as they would in
// Zoho: as an error or as a silent miss.

const (
	maxCriteria   = 10
	maxInValues   = 100
	maxSearchable = 2000
)

type cond struct {
	field, op string
	values    []string
}

type node struct {
	cond *cond
	op   string // "and" or "or" for groups
	kids []*node
}

type queryError struct{ reason, field string }

func (e *queryError) Error() string { return e.reason }

type critParser struct {
	s     string
	pos   int
	conds int
	m     *moduleMeta
}

// parseCriteria parses ((A:op:v)and(B:op:v)) with nested groups. A bare
// A:op:v is accepted as one condition. Mixing and/or in one group without
// parentheses is refused rather than guessing a precedence.
func parseCriteria(m *moduleMeta, s string) (*node, error) {
	if !strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "(") {
		s = "(" + s + ")"
	}
	p := &critParser{s: s, m: m}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.pos != len(p.s) {
		return nil, &queryError{reason: "invalid query: unexpected text after the criteria"}
	}
	return n, nil
}

func (p *critParser) skip() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *critParser) expr() (*node, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	group := &node{kids: []*node{first}}
	for {
		p.skip()
		if p.pos >= len(p.s) || p.s[p.pos] == ')' {
			break
		}
		rest := strings.ToLower(p.s[p.pos:])
		word := ""
		switch {
		case strings.HasPrefix(rest, "and"):
			word = "and"
		case strings.HasPrefix(rest, "or"):
			word = "or"
		default:
			return nil, &queryError{reason: "invalid query: expected and/or at position " + strconv.Itoa(p.pos)}
		}
		if group.op != "" && group.op != word {
			return nil, &queryError{reason: "invalid query: group and/or with parentheses"}
		}
		group.op = word
		p.pos += len(word)
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		group.kids = append(group.kids, t)
	}
	if len(group.kids) == 1 {
		return first, nil
	}
	return group, nil
}

func (p *critParser) term() (*node, error) {
	p.skip()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, &queryError{reason: "invalid query: expected ( at position " + strconv.Itoa(p.pos)}
	}
	p.pos++
	p.skip()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, &queryError{reason: "invalid query: missing )"}
		}
		p.pos++
		return n, nil
	}
	field, ok := p.until(':')
	if !ok {
		return nil, &queryError{reason: "invalid query: expected field:operator:value"}
	}
	op, ok := p.until(':')
	if !ok {
		return nil, &queryError{reason: "invalid query: expected field:operator:value"}
	}
	values, err := p.value()
	if err != nil {
		return nil, err
	}
	c := &cond{field: strings.TrimSpace(field), op: strings.ToLower(strings.TrimSpace(op)), values: values}
	if err := p.check(c); err != nil {
		return nil, err
	}
	return &node{cond: c}, nil
}

func (p *critParser) until(b byte) (string, bool) {
	i := strings.IndexByte(p.s[p.pos:], b)
	if i < 0 || strings.ContainsAny(p.s[p.pos:p.pos+i], "()") {
		return "", false
	}
	out := p.s[p.pos : p.pos+i]
	p.pos += i + 1
	return out, true
}

// value reads up to the closing ")": "\" escapes the next character,
// an unescaped "," separates values, an unescaped "(" is an error.
func (p *critParser) value() ([]string, error) {
	var vals []string
	var cur strings.Builder
	for p.pos < len(p.s) {
		ch := p.s[p.pos]
		switch ch {
		case '\\':
			if p.pos+1 >= len(p.s) {
				return nil, &queryError{reason: "invalid query: dangling escape"}
			}
			cur.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case ',':
			vals = append(vals, cur.String())
			cur.Reset()
		case '(':
			return nil, &queryError{reason: "invalid query: unescaped ( in a value"}
		case ')':
			p.pos++
			return append(vals, cur.String()), nil
		default:
			cur.WriteByte(ch)
		}
		p.pos++
	}
	return nil, &queryError{reason: "invalid query: missing )"}
}

var numericOps = map[string]bool{"greater_than": true, "greater_equal": true, "less_than": true, "less_equal": true, "between": true}

func (p *critParser) check(c *cond) error {
	if p.conds++; p.conds > maxCriteria {
		return &queryError{reason: "more than 10 criteria"}
	}
	f := p.m.field(c.field)
	if f == nil {
		return &queryError{reason: "the field is not available", field: c.field}
	}
	switch {
	case c.op == "equals" || c.op == "not_equal" || c.op == "starts_with" || c.op == "in":
	case numericOps[c.op] && (f.Type == "currency" || f.Type == "integer" || f.Type == "date" || f.Type == "datetime"):
	default:
		return &queryError{reason: "invalid operator found", field: c.field}
	}
	if len(c.values) > maxInValues {
		return &queryError{reason: "more than 100 values", field: c.field}
	}
	return nil
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// matchValue compares one stored value with one criteria value. Phone
// fields match on digits (spec §2.2.3: "matching on the digits"); text
// compares case-insensitively; lookups by name or id.
func matchValue(f *fieldMeta, stored any, op, v string) bool {
	have := str(stored)
	if f.Type == "phone" {
		dh, dv := digits(have), digits(v)
		if dh == "" || dv == "" {
			return false
		}
		if op == "starts_with" {
			return strings.HasPrefix(dh, dv)
		}
		return dh == dv
	}
	if op == "starts_with" {
		return strings.HasPrefix(strings.ToLower(have), strings.ToLower(v))
	}
	if m, ok := stored.(map[string]any); ok && str(m["id"]) == v {
		return true
	}
	return have != "" && strings.EqualFold(have, v)
}

func compareNum(have any, op, v string) bool {
	a, err1 := strconv.ParseFloat(str(have), 64)
	b, err2 := strconv.ParseFloat(v, 64)
	if err1 != nil || err2 != nil {
		sa, sb := str(have), v // dates compare as text: ISO strings sort in time order
		switch op {
		case "greater_than":
			return sa > sb
		case "greater_equal":
			return sa >= sb
		case "less_than":
			return sa < sb
		}
		return sa <= sb
	}
	switch op {
	case "greater_than":
		return a > b
	case "greater_equal":
		return a >= b
	case "less_than":
		return a < b
	}
	return a <= b
}

func (n *node) eval(m *moduleMeta, r *record) bool {
	if c := n.cond; c != nil {
		f := m.field(c.field)
		stored := r.fields[c.field]
		if numericOps[c.op] {
			if c.op == "between" {
				return len(c.values) == 2 && compareNum(stored, "greater_equal", c.values[0]) && compareNum(stored, "less_equal", c.values[1])
			}
			return len(c.values) == 1 && compareNum(stored, c.op, c.values[0])
		}
		anyMatch := false
		for _, v := range c.values {
			if matchValue(f, stored, c.op, v) {
				anyMatch = true
				break
			}
		}
		if c.op == "not_equal" {
			return !anyMatch
		}
		return anyMatch
	}
	for _, k := range n.kids {
		ok := k.eval(m, r)
		if n.op == "and" && !ok {
			return false
		}
		if n.op == "or" && ok {
			return true
		}
	}
	return n.op == "and"
}

func (s *Server) serveSearch(c *call) {
	m := c.rt.module
	q := c.r.URL.Query()
	page, perPage, ok := paging(c)
	if !ok {
		return
	}
	if page*perPage > maxSearchable {
		apiError(c.w, http.StatusBadRequest, "LIMIT_REACHED", "maximum limit reached", map[string]any{"limit": maxSearchable})
		return
	}
	var match func(r *record) bool
	switch {
	case q.Has("criteria"):
		tree, err := parseCriteria(m, q.Get("criteria"))
		if err != nil {
			var qe *queryError
			d := map[string]any{"reason": err.Error()}
			if errors.As(err, &qe) && qe.field != "" {
				d["api_name"] = qe.field
			}
			apiError(c.w, http.StatusBadRequest, "INVALID_QUERY", "Invalid query formed", d)
			return
		}
		match = func(r *record) bool { return tree.eval(m, r) }
	case q.Has("email"):
		v := q.Get("email")
		match = func(r *record) bool {
			return sameText(r.fields["Email"], v) || sameText(r.fields["Secondary_Email"], v)
		}
	case q.Has("phone"):
		// Every phone-type field, and WhatsApp_Number as the brief for this
		// simulator asks (it is a text field, which Zoho would not search
		// here; clients that need it should use criteria).
		want := digits(q.Get("phone"))
		match = func(r *record) bool {
			for _, f := range []string{"Phone", "Mobile", "WhatsApp_Number"} {
				if d := digits(str(r.fields[f])); want != "" && d == want {
					return true
				}
			}
			return false
		}
	case q.Has("word"):
		w := strings.ToLower(strings.TrimSpace(q.Get("word")))
		if len(w) < 2 {
			apiError(c.w, http.StatusBadRequest, "INVALID_QUERY", "Invalid query formed",
				map[string]any{"reason": "the word must have at least 2 characters", "param_name": "word"})
			return
		}
		match = func(r *record) bool {
			for _, v := range r.fields {
				if strings.Contains(strings.ToLower(str(v)), w) {
					return true
				}
			}
			return false
		}
	default:
		apiError(c.w, http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
			map[string]any{"param_name": "criteria"})
		return
	}
	s.mu.Lock()
	var hits []map[string]any
	for _, r := range s.moduleRecordsLocked(m.APIName) {
		if s.visibleLocked(r, c.now) && match(r) {
			hits = append(hits, only(s.view(r), q.Get("fields")))
		}
	}
	s.mu.Unlock()
	writePage(c, hits, page, perPage)
}
