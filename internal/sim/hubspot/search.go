package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

type filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        scalar   `json:"value"`
	HighValue    scalar   `json:"highValue"`
	Values       []scalar `json:"values"`
}

type sortSpec struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// UnmarshalJSON also takes the short form HubSpot accepts: "-createdate".
func (s *sortSpec) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		s.Direction = "ASCENDING"
		if name, ok := strings.CutPrefix(v, "-"); ok {
			v, s.Direction = name, "DESCENDING"
		}
		s.PropertyName = v
		return nil
	}
	type plain sortSpec
	return json.Unmarshal(b, (*plain)(s))
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []filter `json:"filters"`
	} `json:"filterGroups"`
	Properties []string   `json:"properties"`
	Sorts      []sortSpec `json:"sorts"`
	Limit      *int       `json:"limit"`
	After      scalar     `json:"after"`
	Query      string     `json:"query"`
}

// Search caps. Sources disagree (spec §1.2.3); these are the strictest
// plausible ones, as the spec asks of a simulator.
const (
	maxGroups         = 5
	maxFiltersPer     = 6
	maxFilters        = 18
	maxSearchLimit    = 200
	maxSearchResults  = 10000
	defaultSearchSize = 10
)

var searchable = map[string][]string{
	"contacts": {"firstname", "lastname", "email", "phone", "mobilephone", "company", "website"},
	"deals":    {"dealname"},
}

// search serves POST /crm/v3/objects/{type}/search against what the index
// has seen (see object.indexed), never the live record.
func (s *Server) search(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := s.objectType(w, r)
	if !ok {
		return
	}
	var in searchRequest
	if !readJSON(w, r, &in) {
		return
	}
	if f := checkSearch(&in); f != nil {
		f.write(w)
		return
	}
	limit := defaultSearchSize
	if in.Limit != nil {
		limit = *in.Limit
	}
	after := 0
	if in.After != "" {
		var err error
		if after, err = strconv.Atoi(string(in.After)); err != nil || after < 0 {
			validation("after must be a non-negative integer: " + string(in.After)).write(w)
			return
		}
	}
	if after+limit > maxSearchResults {
		validation(fmt.Sprintf("Paging beyond %d results is not supported", maxSearchResults)).write(w)
		return
	}
	now := s.now()
	s.mu.Lock()
	defs := s.props[typ]
	var hits []*object
	for _, id := range s.order[typ] {
		o := s.objects[typ][id]
		s.indexLocked(o, now)
		if o.indexed != nil && matches(o.indexed, &in, defs, searchable[typ]) {
			hits = append(hits, o)
		}
	}
	sortHits(hits, in.Sorts, defs)
	names := s.knownLocked(typ, in.Properties)
	results := []objectJSON{}
	for i := after; i < len(hits) && i < after+limit; i++ {
		out := render(hits[i], hits[i].indexed, names, false)
		results = append(results, out)
	}
	s.mu.Unlock()
	body := map[string]any{"total": len(hits), "results": results}
	if after+limit < len(hits) {
		p := pagingNext{}
		p.Next.After = strconv.Itoa(after + limit)
		body["paging"] = p
	}
	writeJSON(w, http.StatusOK, body)
}

func checkSearch(in *searchRequest) *failure {
	total := 0
	for _, g := range in.FilterGroups {
		if len(g.Filters) > maxFiltersPer {
			return validation(fmt.Sprintf("Too many filters in a filter group: at most %d are allowed", maxFiltersPer))
		}
		total += len(g.Filters)
	}
	switch {
	case len(in.FilterGroups) > maxGroups:
		return validation(fmt.Sprintf("Too many filter groups: at most %d are allowed", maxGroups))
	case total > maxFilters:
		return validation(fmt.Sprintf("Too many filters: at most %d are allowed in total", maxFilters))
	case in.Limit != nil && (*in.Limit < 0 || *in.Limit > maxSearchLimit):
		return validation(fmt.Sprintf("limit must be between 0 and %d", maxSearchLimit))
	case len(in.Query) > 3000:
		return validation("query must be at most 3000 characters")
	}
	for _, g := range in.FilterGroups {
		for _, f := range g.Filters {
			if !slices.Contains([]string{"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
				"HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}, f.Operator) {
				return validation("Invalid filter operator: " + f.Operator)
			}
		}
	}
	return nil
}

// matches: filter groups are ORed, filters in a group ANDed, and query
// prefix-matches words of the type's searchable properties.
func matches(props map[string]string, in *searchRequest, defs map[string]*propertyDef, text []string) bool {
	if q := strings.Fields(strings.ToLower(in.Query)); len(q) > 0 {
		var words []string
		for _, p := range text {
			words = append(words, tokens(props[p])...)
		}
		for _, w := range q {
			if !slices.ContainsFunc(words, func(x string) bool { return strings.HasPrefix(x, w) }) {
				return false
			}
		}
	}
	if len(in.FilterGroups) == 0 {
		return true
	}
	for _, g := range in.FilterGroups {
		ok := true
		for _, f := range g.Filters {
			if !match(props, f, defs[f.PropertyName]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// match applies one filter. A property the portal does not have matches
// nothing: HubSpot's answer there is not documented, and this way a
// search that names an optional property still finds the others.
func match(props map[string]string, f filter, d *propertyDef) bool {
	v, has := props[f.PropertyName]
	if d == nil {
		return false
	}
	val := string(f.Value)
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "EQ":
		return has && compare(d, v, val) == 0
	case "NEQ":
		return !has || compare(d, v, val) != 0
	case "LT":
		return has && compare(d, v, val) < 0
	case "LTE":
		return has && compare(d, v, val) <= 0
	case "GT":
		return has && compare(d, v, val) > 0
	case "GTE":
		return has && compare(d, v, val) >= 0
	case "BETWEEN":
		return has && compare(d, v, val) >= 0 && compare(d, v, string(f.HighValue)) <= 0
	case "IN", "NOT_IN":
		// HubSpot wants IN values of string properties in lower case;
		// stored values are compared lower-cased, the filter's as given.
		in := has && slices.ContainsFunc(f.Values, func(x scalar) bool {
			if d.Type == "string" || d.Type == "enumeration" {
				return strings.ToLower(v) == string(x)
			}
			return compare(d, v, string(x)) == 0
		})
		return in == (f.Operator == "IN")
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		found := has && slices.ContainsFunc(tokens(v), func(t string) bool { return wildcard(strings.ToLower(val), t) })
		return found == (f.Operator == "CONTAINS_TOKEN")
	}
	return false
}

// compare orders two values by the property's type. Strings compare
// case-insensitively but otherwise exactly: "+55 11 9999" ≠ "+55119999".
func compare(d *propertyDef, a, b string) int {
	switch d.Type {
	case "number":
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 == nil && err2 == nil {
			return cmpFloat(x, y)
		}
	case "date", "datetime":
		x, ok1 := parseTimestamp(a)
		y, ok2 := parseTimestamp(b)
		if ok1 && ok2 {
			return x.Compare(y)
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// tokens splits a value the way the search index does: lower case, on
// anything that is not a letter or digit.
func tokens(v string) []string {
	return strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// wildcard matches a token pattern where * stands for any run of characters.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// sortHits orders by the first sort (objects without the property last),
// then by id; without sorts, by id, which is creation order.
func sortHits(hits []*object, sorts []sortSpec, defs map[string]*propertyDef) {
	slices.SortStableFunc(hits, func(a, b *object) int {
		if len(sorts) > 0 {
			p := sorts[0].PropertyName
			d := defs[p]
			if d == nil {
				d = &propertyDef{Type: "string"}
			}
			av, aok := a.indexed[p]
			bv, bok := b.indexed[p]
			switch {
			case aok && bok:
				c := compare(d, av, bv)
				if sorts[0].Direction == "DESCENDING" {
					c = -c
				}
				if c != 0 {
					return c
				}
			case aok != bok:
				if aok {
					return -1
				}
				return 1
			}
		}
		return cmpFloat(float64(objectIDInt(a.id)), float64(objectIDInt(b.id)))
	})
}
