package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// textVars checks the syntax, kind and numbering of the variables of a
// header or body text.
func (l *linter) textVars(field, text string) {
	var positional, named []variable
	for _, v := range vars(text) {
		switch {
		case v.positional():
			positional = append(positional, v)
		case v.named():
			named = append(named, v)
		default:
			l.err("param_invalid", field, "Write variables as {{1}}, {{2}}… or {{snake_case_name}} with no spaces.",
				"variable {{%s}} is not valid", v.Name)
		}
	}
	if len(positional) > 0 && len(named) > 0 {
		l.err("params_mixed", field, "Use either numbered ({{1}}) or named ({{first_name}}) variables, not both.",
			"the text mixes numbered and named variables")
		return
	}
	format := l.t.format()
	if format == FormatNamed && len(positional) > 0 {
		l.err("param_format_mismatch", field, "Rename the variables to {{snake_case}} names, or set parameter_format to POSITIONAL.",
			"the template uses named parameters but the text has {{%s}}", positional[0].Name)
	}
	if format == FormatPositional && len(named) > 0 {
		l.err("param_format_mismatch", field, "Set parameter_format to NAMED, or number the variables {{1}}, {{2}}….",
			"the template uses positional parameters but the text has {{%s}}", named[0].Name)
	}
	if len(positional) == 0 {
		return
	}
	seen := map[int]bool{}
	var nums []int
	for _, v := range positional {
		k, _ := strconv.Atoi(v.Name)
		if !seen[k] {
			seen[k] = true
			nums = append(nums, k)
		}
	}
	sort.Ints(nums)
	for i, k := range nums {
		if k != i+1 {
			l.err("params_not_sequential", field, "Number the variables {{1}}, {{2}}, {{3}}… without gaps, starting at 1.",
				"variable {{%d}} is used but {{%d}} is missing", k, i+1)
			return
		}
	}
}

// bodyShape applies Meta's review rules on where variables may sit.
func (l *linter) bodyShape(field, text string) {
	vs := vars(text)
	if len(vs) == 0 {
		return
	}
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "{{") && varRe.FindStringIndex(trimmed)[0] == 0 {
		l.err("param_at_edge", field, "Start the body with text, e.g. \"Hi {{1}},\" (Meta error 2388299).",
			"the body starts with a variable")
	}
	if locs := varRe.FindAllStringIndex(trimmed, -1); locs[len(locs)-1][1] == len(trimmed) {
		l.err("param_at_edge", field, "End the body with text or punctuation after the last variable (Meta error 2388299).",
			"the body ends with a variable")
	}
	for i := 1; i < len(vs); i++ {
		if strings.TrimSpace(text[vs[i-1].End:vs[i].Start]) == "" {
			l.err("params_adjacent", field, "Put words between the variables, e.g. \"{{1}} on {{2}}\".",
				"variables {{%s}} and {{%s}} are next to each other", vs[i-1].Name, vs[i].Name)
			break
		}
	}
	words := len(strings.Fields(varRe.ReplaceAllString(text, " x ")))
	if 3*len(vs) > words {
		l.err("too_many_params", field, "Add more text or remove variables; keep at least 3 words per variable (Meta error 2388293).",
			"the body has %d variables for %d words", len(vs), words)
	}
}

// examples checks that every variable of a TEXT header or a body has a
// sample value, as Meta's review requires.
func (l *linter) examples(f string, c Component, header bool) {
	names := distinct(c.Text)
	if len(names) == 0 {
		return
	}
	ex := c.Example
	if ex == nil {
		ex = &Example{}
	}
	if l.t.format() == FormatNamed {
		list, key := ex.BodyTextNamedParams, "body_text_named_params"
		if header {
			list, key = ex.HeaderTextNamedParams, "header_text_named_params"
		}
		have := map[string]string{}
		for _, e := range list {
			have[e.ParamName] = e.Example
		}
		for _, n := range names {
			if strings.TrimSpace(have[n]) == "" {
				l.err("missing_example", f+".example."+key, "Add a sample value for every variable.",
					"variable {{%s}} has no example", n)
			}
			delete(have, n)
		}
		for n := range have {
			l.err("example_mismatch", f+".example."+key, "Remove examples for variables the text does not use.",
				"example for {{%s}}, which the text does not use", n)
		}
		return
	}
	want := maxPositional(c.Text)
	var got []string
	key := "body_text"
	if header {
		key, got = "header_text", ex.HeaderText
	} else if len(ex.BodyText) > 0 {
		got = ex.BodyText[0]
	}
	for i := 0; i < want; i++ {
		if i >= len(got) || strings.TrimSpace(got[i]) == "" {
			l.err("missing_example", f+".example."+key, "Add a sample value for every variable, in order.",
				"variable {{%d}} has no example", i+1)
		}
	}
	if len(got) > want {
		l.err("example_mismatch", f+".example."+key, "Give exactly one example per variable.",
			"%d examples for %d variables", len(got), want)
	}
}

func fieldf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
