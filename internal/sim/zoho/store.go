package zoho

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The record store and the validation every write goes through, whether
// it comes from the API or from the Go/control API playing a CRM user.

type record struct {
	id, module string
	fields     map[string]any // as written, JSON-typed values, without system fields
	created    time.Time
	written    time.Time // last write by Now: search sees the record IndexLag after it
}

// owner is the single CRM user of the simulated org.
var owner = map[string]any{"name": "Sim Owner", "id": "5725767000000411001", "email": "owner@example.com"}

// systemFields are kept by Zoho, not by writers; written values are dropped.
var systemFields = map[string]bool{"id": true, "Created_Time": true, "Modified_Time": true,
	"Created_By": true, "Modified_By": true, "Full_Name": true, "se_module": true}

func (s *Server) newIDLocked() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// jsonValues turns Go values (ints, structs) into what JSON decoding
// gives, so stored records look the same whoever wrote them.
func jsonValues(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	out := map[string]any{}
	if err == nil {
		_ = json.Unmarshal(b, &out)
	}
	if out == nil { // a nil map marshals as null
		out = map[string]any{}
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

// view is a record as the API answers it: its fields plus Zoho's system
// fields.
func (s *Server) view(r *record) map[string]any {
	out := deepCopy(r.fields).(map[string]any)
	out["id"] = r.id
	out["Created_Time"] = s.fmtTime(r.created)
	out["Modified_Time"] = s.fmtTime(r.written)
	out["Created_By"] = deepCopy(owner)
	out["Modified_By"] = deepCopy(owner)
	if _, ok := out["Owner"]; !ok {
		out["Owner"] = deepCopy(owner)
	}
	if r.module == "Contacts" || r.module == "Leads" {
		out["Full_Name"] = fullName(r.fields)
	}
	return out
}

func fullName(f map[string]any) string {
	first, _ := f["First_Name"].(string)
	last, _ := f["Last_Name"].(string)
	return strings.TrimSpace(first + " " + last)
}

func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	}
	return false
}

// str is a field value as text, for matching; lookups match by name.
func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case map[string]any:
		if n, ok := t["name"].(string); ok {
			return n
		}
		return str(t["id"])
	}
	return fmt.Sprint(v)
}

func sameText(a, b any) bool {
	return strings.EqualFold(strings.TrimSpace(str(a)), strings.TrimSpace(str(b)))
}

// moduleRecordsLocked lists a module's records in creation order.
func (s *Server) moduleRecordsLocked(module string) []*record {
	var out []*record
	for _, id := range s.order {
		if r := s.records[id]; r != nil && r.module == module {
			out = append(out, r)
		}
	}
	return out
}

// findByLocked is the first record of m whose field f equals v, the way
// a unique or duplicate-check field compares (case-insensitive).
func (s *Server) findByLocked(m *moduleMeta, f string, v any, except string) *record {
	if empty(v) {
		return nil
	}
	for _, r := range s.moduleRecordsLocked(m.APIName) {
		if r.id != except && sameText(r.fields[f], v) {
			return r
		}
	}
	return nil
}

func invalidItem(f, path, typ string) map[string]any {
	d := map[string]any{"api_name": f, "json_path": path}
	if typ != "" {
		d["expected_data_type"] = typ
	}
	return errItem("INVALID_DATA", "invalid data", d)
}

// applyLocked validates one record of a write and, if it passes, stores
// it: a new record when cur is nil, else merged into cur. It returns the
// record, the fields whose value changed (for notifications) or a
// per-item error (spec §2.4.3).
func (s *Server) applyLocked(m *moduleMeta, in map[string]any, idx int, cur *record, now time.Time) (*record, []string, map[string]any) {
	path := func(f string) string { return fmt.Sprintf("$.data[%d].%s", idx, f) }
	clean := map[string]any{}
	for k, v := range in {
		if systemFields[k] || strings.HasPrefix(k, "$") {
			continue
		}
		if f := m.field(k); f != nil && f.ReadOnly {
			continue
		}
		if k == "Parent_Id" && cur != nil {
			continue // a note cannot move to another record
		}
		clean[k] = v
	}
	// Mandatory fields: all of them on insert; on update only the ones the
	// caller tries to blank.
	for _, f := range m.Fields {
		v, present := clean[f.APIName]
		if f.Mandatory && ((cur == nil && empty(v)) || (cur != nil && present && empty(v))) {
			return nil, nil, errItem("MANDATORY_NOT_FOUND", "required field not found",
				map[string]any{"api_name": f.APIName, "json_path": path(f.APIName)})
		}
	}
	keys := make([]string, 0, len(clean))
	for k := range clean {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error reported does not depend on map order
	for _, k := range keys {
		f := m.field(k)
		if f == nil || clean[k] == nil {
			continue // unknown fields are kept as given, like a custom field the layout has
		}
		v := clean[k]
		switch f.Type {
		case "text", "email", "phone", "textarea", "picklist", "date", "datetime":
			sv, ok := v.(string)
			if !ok {
				return nil, nil, invalidItem(k, path(k), "string")
			}
			if f.Type == "email" && sv != "" && !strings.Contains(sv, "@") {
				return nil, nil, invalidItem(k, path(k), "email")
			}
			// Only Deals' Stage and Pipeline are checked against their
			// picklists: they drive pipelines, and Zoho refuses unknown
			// values there. Lead_Source is not, so an org whose layout lacks
			// "WhatsApp" still takes GoHavi's leads (Zoho's behaviour for
			// unknown values of non-mandatory picklists is not in the spec).
			if f.Type == "picklist" && m.APIName == "Deals" && !contains(f.Picklist, sv) {
				return nil, nil, invalidItem(k, path(k), "picklist")
			}
		case "currency", "integer":
			if _, ok := v.(float64); !ok {
				if _, err := strconv.ParseFloat(str(v), 64); err != nil {
					return nil, nil, invalidItem(k, path(k), "double")
				}
			}
		case "lookup":
			if k == "Parent_Id" {
				continue // resolved by the notes handler
			}
			id := str(v)
			if mv, ok := v.(map[string]any); ok {
				id = str(mv["id"])
			}
			if k == "Contact_Name" {
				c := s.records[id]
				if c == nil || c.module != "Contacts" {
					return nil, nil, invalidItem(k, path(k), "lookup")
				}
				clean[k] = map[string]any{"name": fullName(c.fields), "id": id}
			} else {
				clean[k] = map[string]any{"name": nil, "id": id}
				if mv, ok := v.(map[string]any); ok && mv["name"] != nil {
					clean[k].(map[string]any)["name"] = mv["name"]
				}
			}
		case "ownerlookup":
			if _, ok := v.(map[string]any); !ok {
				return nil, nil, invalidItem(k, path(k), "ownerlookup")
			}
		}
	}
	for _, f := range m.Fields {
		if !f.Unique || empty(clean[f.APIName]) {
			continue
		}
		except := ""
		if cur != nil {
			except = cur.id
		}
		if other := s.findByLocked(m, f.APIName, clean[f.APIName], except); other != nil {
			return nil, nil, errItem("DUPLICATE_DATA", "duplicate data", map[string]any{
				"api_name": f.APIName, "json_path": path(f.APIName),
				"duplicate_record": map[string]any{"id": other.id, "module": map[string]any{"api_name": m.APIName, "id": m.ID}},
			})
		}
	}
	if cur == nil {
		cur = &record{id: s.newIDLocked(), module: m.APIName, fields: clean, created: now, written: now}
		if m.APIName == "Deals" && empty(clean["Pipeline"]) {
			clean["Pipeline"] = defaultPipeline
		}
		s.records[cur.id] = cur
		s.order = append(s.order, cur.id)
		return cur, nil, nil
	}
	var changed []string
	for _, k := range keys {
		old, had := cur.fields[k]
		nb, _ := json.Marshal(clean[k])
		ob, _ := json.Marshal(old)
		if !had || string(nb) != string(ob) {
			changed = append(changed, k)
		}
		cur.fields[k] = clean[k]
	}
	cur.written = now
	return cur, changed, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// successItem is a write's per-item success (spec §2.2.1).
func (s *Server) successItem(r *record, msg string) map[string]any {
	return map[string]any{"code": "SUCCESS", "message": msg, "status": "success", "details": map[string]any{
		"id": r.id, "Created_Time": s.fmtTime(r.created), "Modified_Time": s.fmtTime(r.written),
		"Created_By": deepCopy(owner), "Modified_By": deepCopy(owner),
	}}
}

// CreateRecord adds a record as a CRM user in the UI does: no limits,
// credits or notifications. It returns "" when the UI would refuse the
// record too (a missing mandatory field, a duplicate unique value).
func (s *Server) CreateRecord(module string, fields map[string]any) string {
	m := moduleByName(module)
	if m == nil || m.APIName == "Notes" { // notes need a resolved parent: create them through the API
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, _, e := s.applyLocked(m, jsonValues(fields), 0, nil, s.now())
	if e != nil {
		s.log.Warn("zoho sim: record refused", "module", module, "error", e)
		return ""
	}
	return r.id
}

// CreateDeal adds a deal as a CRM user does, without notifications.
// pipeline "" is the default pipeline; contactID "" leaves Contact_Name
// empty. It returns "" when the deal is refused (unknown stage or contact).
func (s *Server) CreateDeal(name, stage, pipeline, contactID string, fields map[string]any) string {
	f := jsonValues(fields)
	f["Deal_Name"], f["Stage"] = name, stage
	if pipeline != "" {
		f["Pipeline"] = pipeline
	}
	if contactID != "" {
		f["Contact_Name"] = map[string]any{"id": contactID}
	}
	return s.CreateRecord("Deals", f)
}

// Records lists a module's records in creation order, as GET answers them.
func (s *Server) Records(module string) []Record {
	m := moduleByName(module)
	if m == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.moduleRecordsLocked(m.APIName) {
		out = append(out, Record{ID: r.id, Module: r.module, Fields: s.view(r), CreatedAt: r.created})
	}
	return out
}

// SetIndexLag changes how long records stay invisible to search after a
// write (negative or zero: visible at once); it applies to every record,
// already written or not.
func (s *Server) SetIndexLag(d time.Duration) {
	s.mu.Lock()
	s.indexLag = d
	s.mu.Unlock()
}

func (s *Server) visibleLocked(r *record, now time.Time) bool {
	return s.indexLag <= 0 || !now.Before(r.written.Add(s.indexLag))
}
