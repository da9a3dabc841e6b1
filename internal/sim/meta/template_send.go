package meta

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// checkTemplateSend resolves a template send against the WABA's templates
// (§3.8): unknown name/language or not approved → 132001, PAUSED → 132015,
// DISABLED → 132016, parameter count → 132000, parameter type → 132012.
// A WABA with no templates at all accepts any name (the simulator's
// behaviour before templates existed). Callers hold s.mu.
func (s *Server) checkTemplateSend(ns *numberState, req *sendRequest) *graphError {
	if req.typ != "template" {
		return nil
	}
	s.sweepTemplates()
	if !s.wabaHasTemplates(ns.WABAID) {
		return nil
	}
	o, _ := req.object.(map[string]any)
	lang, _ := o["language"].(map[string]any)
	code, _ := lang["code"].(string)
	t := s.findTemplate(ns.WABAID, req.templateName, code)
	if t == nil {
		return newGraphError(132001, fmt.Sprintf("template name (%s) does not exist in %s", req.templateName, code))
	}
	switch t.Status {
	case "APPROVED":
	case "PAUSED":
		return newGraphError(132015, fmt.Sprintf("Template %s is paused because of low quality.", t.Name))
	case "DISABLED":
		return newGraphError(132016, fmt.Sprintf("Template %s is disabled.", t.Name))
	default:
		return newGraphError(132001, fmt.Sprintf("template name (%s) is not approved in %s (status %s)", t.Name, code, t.Status))
	}
	req.templateCat, req.templateID = strings.ToLower(t.Category), t.ID
	if t.Category == "AUTHENTICATION" {
		return nil // fixed text: the code parameters are not in the template's text
	}
	sent := map[string][]map[string]any{}
	comps, _ := o["components"].([]any)
	for _, c := range comps {
		co, _ := c.(map[string]any)
		key, _ := co["type"].(string)
		if key == "button" {
			key += "/" + fmt.Sprint(co["index"])
		}
		var params []map[string]any
		list, _ := co["parameters"].([]any)
		for _, prm := range list {
			pm, _ := prm.(map[string]any)
			params = append(params, pm)
		}
		sent[key] = params
	}
	for _, want := range expectedParams(t) {
		got := sent[want.key]
		delete(sent, want.key)
		if len(got) != len(want.names) {
			return newGraphError(132000, fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (%d)",
				want.key, len(got), len(want.names)))
		}
		for i, prm := range got {
			if pt, _ := prm["type"].(string); !slices.Contains(want.types, pt) {
				return newGraphError(132012, fmt.Sprintf("%s: parameter %d has type %q, expected %s", want.key, i+1, pt, strings.Join(want.types, " or ")))
			}
			if t.ParameterFormat == "NAMED" && want.named {
				if pn, _ := prm["parameter_name"].(string); !slices.Contains(want.names, pn) {
					return newGraphError(132000, fmt.Sprintf("%s: parameter_name %q is not a parameter of the template", want.key, pn))
				}
			}
		}
	}
	for key, got := range sent {
		if len(got) > 0 && (key == "header" || key == "body") {
			return newGraphError(132000, fmt.Sprintf("%s: number of localizable_params (%d) does not match the expected number of params (0)", key, len(got)))
		}
	}
	return nil
}

// paramSlot is what one send component must carry for a template.
type paramSlot struct {
	key   string   // "header", "body" or "button/<index>"
	names []string // one entry per parameter
	types []string // accepted parameter types
	named bool     // names are parameter_name values
}

// expectedParams lists the parameter slots of a template.
func expectedParams(t *Template) []paramSlot {
	var out []paramSlot
	for _, c := range t.Components {
		typ, _ := c["type"].(string)
		text, _ := c["text"].(string)
		switch strings.ToUpper(typ) {
		case "HEADER":
			format, _ := c["format"].(string)
			switch f := strings.ToLower(format); f {
			case "", "text":
				if names := templateParams(text); len(names) > 0 {
					out = append(out, paramSlot{key: "header", names: names, types: []string{"text"}, named: true})
				}
			case "gif":
				out = append(out, paramSlot{key: "header", names: []string{"1"}, types: []string{"video", "image"}})
			default:
				out = append(out, paramSlot{key: "header", names: []string{"1"}, types: []string{f}})
			}
		case "BODY":
			if names := templateParams(text); len(names) > 0 {
				out = append(out, paramSlot{key: "body", names: names, types: []string{"text", "currency", "date_time"}, named: true})
			}
		case "BUTTONS":
			buttons, _ := c["buttons"].([]any)
			for i, b := range buttons {
				bo, _ := b.(map[string]any)
				bt, _ := bo["type"].(string)
				u, _ := bo["url"].(string)
				key := "button/" + strconv.Itoa(i)
				switch strings.ToUpper(bt) {
				case "URL":
					if len(templateParams(u)) == 1 {
						out = append(out, paramSlot{key: key, names: []string{"1"}, types: []string{"text"}})
					}
				case "COPY_CODE":
					out = append(out, paramSlot{key: key, names: []string{"1"}, types: []string{"coupon_code"}})
				}
			}
		}
	}
	return out
}
