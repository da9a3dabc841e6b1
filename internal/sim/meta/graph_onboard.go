package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// routeGraph serves the onboarding and account paths (§7, §8, §2.1) and
// reports whether it did; everything else stays with serveGraph.
func (s *Server) routeGraph(w http.ResponseWriter, r *http.Request, segs []string) bool {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch len(segs) {
	case 1:
		id := segs[0]
		switch {
		case id == "debug_token" && get:
			s.debugToken(w, r)
		case strings.HasPrefix(id, "upload:"):
			s.serveUploadSession(w, r, id)
		case post && id != "" && !s.isTemplate(id):
			s.updateNode(w, r, id)
		case get && id != "":
			return s.getAccountNode(w, r, id)
		default:
			return false
		}
		return true
	case 2:
		id, edge := segs[0], segs[1]
		switch {
		case id == "oauth" && edge == "access_token" && (get || post):
			s.oauthAccessToken(w, r)
		case edge == "uploads" && post:
			s.createUploadSession(w, r, id)
		case edge == "subscribed_apps":
			s.serveSubscribedApps(w, r, id)
		case edge == "phone_numbers" && get:
			s.listPhoneNumbers(w, r, id)
		case (edge == "register" || edge == "deregister") && post:
			s.serveRegistration(w, r, id, edge)
		case (edge == "request_code" || edge == "verify_code") && post:
			s.serveVerification(w, r, id, edge)
		case edge == "whatsapp_business_profile" && (get || post):
			s.serveBusinessProfile(w, r, id)
		case edge == "official_business_account" && (get || post):
			s.serveOBA(w, r, id)
		default:
			return false
		}
		return true
	}
	return false
}

// isTemplate leaves template ids to the template handlers.
func (s *Server) isTemplate(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.templates[id] != nil
}

const maxParamBody = 1 << 20

// graphParams collects a Graph call's parameters from the query string and
// the body, which Graph takes as JSON or as a form; the body wins. JSON
// values keep their types, the rest are strings.
func graphParams(w http.ResponseWriter, r *http.Request) (map[string]any, *graphError) {
	p := map[string]any{}
	for k, v := range r.URL.Query() {
		if k != "access_token" && len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxParamBody))
	if err != nil {
		return nil, errBadRequest("Could not read the request body.")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" || (ct != "application/json" && body[0] != '{') {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errBadRequest("The request body is not a valid form.")
		}
		for k, v := range form {
			if k != "access_token" && len(v) > 0 {
				p[k] = v[0]
			}
		}
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, errBadRequest("The request body must be a JSON object.")
	}
	for k, v := range obj {
		p[k] = v
	}
	return p, nil
}

// paramString reads a scalar parameter as Graph does: "123456" and 123456
// are the same PIN. ok is false when absent or not a scalar.
func paramString(p map[string]any, key string) (string, bool) {
	switch v := p[key].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// paramObject reads an object parameter, given as JSON or as a JSON
// string (form-encoded calls send nested values that way).
func paramObject(p map[string]any, key string) (map[string]any, bool) {
	switch v := p[key].(type) {
	case map[string]any:
		return v, true
	case string:
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) == nil && m != nil {
			return m, true
		}
	}
	return nil, false
}

// paramList reads a list of strings, given as a JSON array, a JSON string
// holding one (Meta's own profile example does that), or one plain value.
func paramList(p map[string]any, key string) ([]string, bool) {
	var items []any
	switch v := p[key].(type) {
	case []any:
		items = v
	case string:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			if json.Unmarshal([]byte(v), &items) != nil {
				return nil, false
			}
		} else if v != "" {
			return []string{v}, true
		} else {
			return []string{}, true
		}
	default:
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		str, ok := it.(string)
		if !ok {
			return nil, false
		}
		out = append(out, str)
	}
	return out, true
}

// errParam is code 100 naming the parameter, in Graph's "(#100) Param …"
// wording, with the same text as details.
func errParam(name, why string) *graphError {
	e := newGraphError(100, fmt.Sprintf("Param %s %s", name, why))
	e.Message = fmt.Sprintf("(#100) Param %s %s", name, why)
	return e
}

func errRequired(name string) *graphError {
	e := newGraphError(100, fmt.Sprintf("The parameter %s is required.", name))
	e.Message = fmt.Sprintf("(#100) The parameter %s is required", name)
	return e
}

// errUnknownFieldOn is errUnknownField for another node type.
func errUnknownFieldOn(field, nodeType string) *graphError {
	e := newGraphError(100, "")
	e.Message = fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (%s)", field, nodeType)
	return e
}

// wantFields splits fields=, or returns def when it is absent.
func wantFields(r *http.Request, def []string) []string {
	q := r.URL.Query().Get("fields")
	if q == "" {
		return def
	}
	var out []string
	for f := range strings.SplitSeq(q, ",") {
		if f = strings.TrimSpace(f); f != "" && f != "id" {
			out = append(out, f)
		}
	}
	return out
}

// isSixDigits is the PIN format of register and two-step verification.
func isSixDigits(v string) bool {
	if len(v) != 6 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// baseURL is where this request reached the simulator, prefix included
// (the product mounts it under /sim with StripPrefix, which leaves
// RequestURI whole), so URLs the simulator hands out work from outside.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		prefix = strings.TrimSuffix(u.Path, r.URL.Path)
	}
	return scheme + "://" + host + prefix
}
