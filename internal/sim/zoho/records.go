package zoho

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Record endpoints (spec §2.2): insert, update, upsert, get, list.

const maxWrite = 100

// parseData reads {"data":[{…}]}; it answers request-level errors itself.
func parseData(c *call) (map[string]json.RawMessage, []map[string]any, bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &top); err != nil {
		apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "body is not a valid JSON", nil)
		return nil, nil, false
	}
	raw, ok := top["data"]
	if !ok {
		apiError(c.w, http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "data"})
		return nil, nil, false
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil {
		apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"api_name": "data", "expected_data_type": "jsonarray"})
		return nil, nil, false
	}
	if len(items) == 0 {
		apiError(c.w, http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "data"})
		return nil, nil, false
	}
	if len(items) > maxWrite {
		apiError(c.w, http.StatusBadRequest, "LIMIT_EXCEEDED", "the given limit exceeds", map[string]any{"api_name": "data", "limit": maxWrite})
		return nil, nil, false
	}
	for i := range items {
		if items[i] == nil {
			items[i] = map[string]any{}
		}
	}
	return top, items, true
}

// dupCheckFields validates upsert's duplicate_check_fields: only system
// duplicate-check fields and unique fields may be named (spec §2.2.2).
// nil means none given: Zoho then checks them all in its own order.
func dupCheckFields(c *call, m *moduleMeta, top map[string]json.RawMessage) ([]string, bool) {
	raw, ok := top["duplicate_check_fields"]
	if !ok {
		fields := append([]string(nil), m.DupCheck...)
		for _, f := range m.Fields {
			if f.Unique {
				fields = append(fields, f.APIName)
			}
		}
		return fields, true
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "invalid data",
			map[string]any{"api_name": "duplicate_check_fields", "expected_data_type": "jsonarray"})
		return nil, false
	}
	for i, n := range names {
		f := m.field(n)
		if f == nil || (!f.Unique && !contains(m.DupCheck, n)) {
			apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "the field is not a valid duplicate check field",
				map[string]any{"api_name": n, "json_path": fmt.Sprintf("$.duplicate_check_fields[%d]", i)})
			return nil, false
		}
	}
	return names, true
}

// serveWrite is insert (POST /{Module}), update (PUT /{Module} or
// /{Module}/{id}) and upsert (POST /{Module}/upsert). Every item is
// validated and committed under one lock, so concurrent upserts of one
// unique value serialise: one inserts, the others update.
func (s *Server) serveWrite(c *call, op, pathID string) {
	m := c.rt.module
	top, items, ok := parseData(c)
	if !ok {
		return
	}
	var dup []string
	if op == "upsert" {
		if dup, ok = dupCheckFields(c, m, top); !ok {
			return
		}
	}
	if pathID != "" {
		items = items[:1]
		items[0]["id"] = pathID
	}
	s.mu.Lock()
	results := make([]map[string]any, len(items))
	var created, edited []change
	for i, in := range items {
		var cur *record
		action, dupField := "insert", any(nil)
		switch op {
		case "update":
			id := str(in["id"])
			if id == "" {
				results[i] = errItem("MANDATORY_NOT_FOUND", "required field not found",
					map[string]any{"api_name": "id", "json_path": fmt.Sprintf("$.data[%d].id", i)})
				continue
			}
			if cur = s.records[id]; cur == nil || cur.module != m.APIName {
				results[i] = errItem("INVALID_DATA", "the id given seems to be invalid",
					map[string]any{"api_name": "id", "json_path": fmt.Sprintf("$.data[%d].id", i)})
				continue
			}
		case "upsert":
			for _, f := range dup {
				if cur = s.findByLocked(m, f, in[f], ""); cur != nil {
					action, dupField = "update", f
					break
				}
			}
		}
		r, changed, e := s.applyLocked(m, in, i, cur, c.now)
		if e != nil {
			results[i] = e
			continue
		}
		msg := "record added"
		if cur != nil {
			msg = "record updated"
			edited = append(edited, change{id: r.id, fields: changed, values: pick(r.fields, changed)})
		} else {
			created = append(created, change{id: r.id})
		}
		results[i] = s.successItem(r, msg)
		if op == "upsert" {
			results[i]["action"], results[i]["duplicate_field"] = action, dupField
		}
	}
	var ds []delivery
	ds = append(ds, s.notifyLocked(m.APIName, "create", created, 1)...)
	ds = append(ds, s.notifyLocked(m.APIName, "edit", edited, 1)...)
	s.mu.Unlock()
	s.deliver(ds)
	okStatus := http.StatusOK
	if op == "insert" {
		okStatus = http.StatusCreated
	}
	writeJSON(c.w, itemsStatus(results, okStatus), map[string]any{"data": results})
}

func pick(f map[string]any, names []string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = deepCopy(f[n])
	}
	return out
}

// only keeps the fields a ?fields= parameter asks for (id always).
func only(v map[string]any, fields string) map[string]any {
	if fields == "" {
		return v
	}
	out := map[string]any{"id": v["id"]}
	for _, f := range strings.Split(fields, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if x, ok := v[f]; ok {
				out[f] = x
			} else {
				out[f] = nil
			}
		}
	}
	return out
}

// serveGet is GET /{Module}/{id}. An unknown id answers 204 with no
// body: Zoho's answer for a missing or deleted record is not in the spec
// and 204 is what its read endpoints give for "nothing"; clients must
// treat it as not found.
func (s *Server) serveGet(c *call) {
	s.mu.Lock()
	r := s.records[c.rt.id]
	var v map[string]any
	if r != nil && r.module == c.rt.module.APIName {
		v = only(s.view(r), c.r.URL.Query().Get("fields"))
	}
	s.mu.Unlock()
	if v == nil {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"data": []any{v}})
}

// paging reads page and per_page (default and max 200, spec §2.2.3).
func paging(c *call) (page, perPage int, ok bool) {
	q := c.r.URL.Query()
	page, perPage = 1, 200
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "invalid data", map[string]any{"param_name": "page"})
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "invalid data",
				map[string]any{"param_name": "per_page", "maximum_length": 200})
			return 0, 0, false
		}
		perPage = n
	}
	return page, perPage, true
}

// writePage answers one page of views, 204 when the page is empty.
func writePage(c *call, all []map[string]any, page, perPage int) {
	from := (page - 1) * perPage
	if from >= len(all) {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	to := min(from+perPage, len(all))
	writeJSON(c.w, http.StatusOK, map[string]any{"data": all[from:to], "info": map[string]any{
		"per_page": perPage, "count": to - from, "page": page, "more_records": to < len(all)}})
}

// serveList is GET /{Module}?fields=…; `fields` is required as in recent
// API versions (spec §2.2.3, "effectively required").
func (s *Server) serveList(c *call) {
	fields := c.r.URL.Query().Get("fields")
	if fields == "" {
		apiError(c.w, http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
			map[string]any{"param_name": "fields"})
		return
	}
	page, perPage, ok := paging(c)
	if !ok {
		return
	}
	s.mu.Lock()
	var all []map[string]any
	for _, r := range s.moduleRecordsLocked(c.rt.module.APIName) {
		all = append(all, only(s.view(r), fields))
	}
	s.mu.Unlock()
	writePage(c, all, page, perPage)
}
