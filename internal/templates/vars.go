package templates

import (
	"regexp"
	"strconv"
	"strings"
)

// variable is one {{…}} occurrence in a component text.
type variable struct {
	Name       string // "1", "2", … or "first_name"; raw content for invalid ones
	Start, End int    // byte offsets of "{{" and just after "}}"
}

var (
	varRe        = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	positionalRe = regexp.MustCompile(`^[1-9][0-9]*$`)
	namedRe      = regexp.MustCompile(`^[a-z][a-z_]*$`)
)

func (v variable) positional() bool { return positionalRe.MatchString(v.Name) }
func (v variable) named() bool      { return namedRe.MatchString(v.Name) }
func (v variable) valid() bool      { return v.positional() || v.named() }

// vars returns the variables of s in order of appearance.
func vars(s string) []variable {
	var out []variable
	for _, m := range varRe.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, variable{Name: s[m[2]:m[3]], Start: m[0], End: m[1]})
	}
	return out
}

// distinct returns the distinct variable names of s in order of first
// appearance.
func distinct(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vars(s) {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v.Name)
		}
	}
	return out
}

// maxPositional returns the highest {{n}} used in s, 0 if none.
func maxPositional(s string) int {
	n := 0
	for _, v := range vars(s) {
		if v.positional() {
			if k, err := strconv.Atoi(v.Name); err == nil && k > n {
				n = k
			}
		}
	}
	return n
}

// substitute replaces each variable of s with lookup(name) when ok, and
// leaves it visible otherwise.
func substitute(s string, lookup func(name string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for _, v := range vars(s) {
		b.WriteString(s[last:v.Start])
		if val, ok := lookup(v.Name); ok {
			b.WriteString(val)
		} else {
			b.WriteString(s[v.Start:v.End])
		}
		last = v.End
	}
	b.WriteString(s[last:])
	return b.String()
}
