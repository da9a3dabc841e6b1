package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

// scalar reads a JSON string, number, bool or null as a string: HubSpot's
// wire values are strings, but it accepts the others and so must we.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("expected a scalar value, got %s", b)
	default:
		*s = scalar(b)
	}
	return nil
}

type propValues map[string]scalar

func (p propValues) strings() map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = string(v)
	}
	return out
}

type assocInput struct {
	To struct {
		ID scalar `json:"id"`
	} `json:"to"`
	Types []assocType `json:"types"`
}

type assocType struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// objectInput is every object write and batch input shape in one:
// SimplePublicObjectInputForCreate, …BatchInput, …BatchInputUpsert.
// Upsert inputs have no associations on HubSpot; they are ignored there.
type objectInput struct {
	ID                 scalar       `json:"id"`
	IDProperty         string       `json:"idProperty"`
	ObjectWriteTraceID string       `json:"objectWriteTraceId"`
	Properties         propValues   `json:"properties"`
	Associations       []assocInput `json:"associations"`
}

const maxBody = 8 << 20

// readJSON decodes an API body, answering HubSpot's 400 on bad JSON.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: "+err.Error(), nil)
		return false
	}
	return true
}

// objectType resolves {objectType}, answering 400 for types the simulator
// does not keep, or 403 for communications while they are refused.
func (s *Server) objectType(w http.ResponseWriter, r *http.Request) (string, bool) {
	typ, ok := normType(r.PathValue("objectType"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("objectType"), nil)
		return "", false
	}
	s.mu.Lock()
	refused := s.noComms && typ == "communications"
	s.mu.Unlock()
	if refused {
		writeMissingScopes(w, []string{"crm.objects.communications.write"})
		return "", false
	}
	return typ, true
}

// RefuseCommunications makes the communications endpoints answer 403, as
// a portal where the app may not log them; clients then fall back to notes.
func (s *Server) RefuseCommunications(on bool) {
	s.mu.Lock()
	s.noComms = on
	s.mu.Unlock()
}

func notFound(typ, id string) *failure {
	return &failure{status: http.StatusNotFound, category: "OBJECT_NOT_FOUND", message: "Object not found.  objectId are usually numeric.",
		context: map[string][]string{"id": {id}}}
}

// prepareLocked checks one write: values, the object type's rules, unique
// values and associations. existing is nil for a create.
func (s *Server) prepareLocked(typ string, in objectInput, existing *object) (map[string]string, []link, *failure) {
	props := in.Properties.strings()
	if bad := s.checkValuesLocked(typ, props); len(bad) > 0 {
		return nil, nil, invalidValues(bad)
	}
	merged := map[string]string{}
	self := ""
	if existing != nil {
		maps.Copy(merged, existing.props)
		self = existing.id
	}
	for k, v := range props {
		if !readOnly[k] {
			merged[k] = v
		}
	}
	if f := s.checkRulesLocked(typ, merged, props, existing == nil); f != nil {
		return nil, nil, f
	}
	if o, prop := s.conflictLocked(typ, props, self); o != nil {
		return nil, nil, conflict(typ, prop, props[prop], o.id)
	}
	links, f := s.resolveLinksLocked(typ, in.Associations)
	if f != nil {
		return nil, nil, f
	}
	return props, links, nil
}

// conflict is the 409 for a value another object holds. The email wording
// is the one clients parse (spec §1.2.2); the unique-property one is ours,
// keeping the "Existing ID: N" clients look for.
func conflict(typ, prop, value, existing string) *failure {
	msg := fmt.Sprintf("Contact already exists. Existing ID: %s", existing)
	if prop != "email" {
		msg = fmt.Sprintf("A %s with the unique value %q for property %s already exists. Existing ID: %s", strings.TrimSuffix(typ, "s"), value, prop, existing)
	}
	return &failure{status: http.StatusConflict, category: "CONFLICT", message: msg}
}

// checkRulesLocked applies what each object type requires beyond value
// types (spec §1.5): communications and notes need hs_timestamp, a
// communication a channel and logged_from CRM, a deal a stage of its pipeline.
func (s *Server) checkRulesLocked(typ string, merged, written map[string]string, create bool) *failure {
	var bad []valueError
	need := func(names ...string) {
		for _, n := range names {
			if merged[n] == "" {
				bad = append(bad, valueError{Name: n, Error: "REQUIRED_FIELD", Message: n + " is required"})
			}
		}
	}
	switch typ {
	case "communications":
		need("hs_timestamp", "hs_communication_channel_type", "hs_communication_logged_from")
	case "notes":
		need("hs_timestamp")
	case "deals":
		if create && merged["pipeline"] == "" {
			merged["pipeline"], written["pipeline"] = "default", "default"
		}
		need("dealname", "dealstage")
		if p := findPipeline(merged["pipeline"]); p == nil {
			bad = append(bad, valueError{Name: "pipeline", Error: "INVALID_OPTION", Message: merged["pipeline"] + " is not a valid pipeline"})
		} else if merged["dealstage"] != "" && p.stage(merged["dealstage"]) == nil {
			bad = append(bad, valueError{Name: "dealstage", Error: "INVALID_OPTION", Message: merged["dealstage"] + " is not a valid stage of pipeline " + p.ID})
		}
	}
	if len(bad) > 0 {
		return invalidValues(bad)
	}
	return nil
}

func (s *Server) createObject(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := s.objectType(w, r)
	if !ok {
		return
	}
	var in objectInput
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	props, links, f := s.prepareLocked(typ, in, nil)
	if f != nil {
		s.mu.Unlock()
		f.write(w)
		return
	}
	o := s.createLocked(typ, props)
	s.linkLocked(o, links)
	out := render(o, o.props, nil, true)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := s.objectType(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.lookupLocked(typ, r.PathValue("id"), q.Get("idProperty"))
	if o == nil {
		notFound(typ, r.PathValue("id")).write(w)
		return
	}
	out := render(o, o.props, s.knownLocked(typ, splitList(q["properties"])), false)
	for _, to := range splitList(q["associations"]) {
		if toTyp, ok := normType(to); ok {
			if out.Associations == nil {
				out.Associations = map[string]assocsInline{}
			}
			out.Associations[to] = s.inlineLocked(o, toTyp)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// knownLocked drops names that are not properties of typ: HubSpot
// silently leaves unknown requested properties out.
func (s *Server) knownLocked(typ string, names []string) []string {
	var out []string
	for _, n := range names {
		if s.props[typ][n] != nil {
			out = append(out, n)
		}
	}
	if len(names) > 0 && len(out) == 0 {
		return []string{"hs_object_id"}
	}
	return out
}

func (s *Server) updateObject(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := s.objectType(w, r)
	if !ok {
		return
	}
	var in objectInput
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.lookupLocked(typ, r.PathValue("id"), r.URL.Query().Get("idProperty"))
	if o == nil {
		notFound(typ, r.PathValue("id")).write(w)
		return
	}
	in.Associations = nil
	props, _, f := s.prepareLocked(typ, in, o)
	if f != nil {
		f.write(w)
		return
	}
	s.writeLocked(o, props)
	writeJSON(w, http.StatusOK, render(o, o.props, nil, true))
}

// objectIDInt is how v4 associations and webhooks carry ids: as numbers.
func objectIDInt(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}
