package zoho

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Notes (spec §2.2.4): POST /Notes and /{Module}/{id}/Notes with the
// nested Parent_Id of v7, or the legacy v2 form (Parent_Id string +
// se_module), whose support in v7 is UNCONFIRMED but harmless to accept.
// Notes are records of the module "Notes", so GET/PUT /Notes/{id} and
// PUT /Notes reuse the record handlers.

type parentRef struct{ module, id string }

// resolveParentLocked finds the record a note hangs off.
func (s *Server) resolveParentLocked(in map[string]any, path *parentRef, idx int) (*record, map[string]any) {
	jp := func(f string) string { return fmt.Sprintf("$.data[%d].%s", idx, f) }
	ref := path
	if ref == nil {
		switch p := in["Parent_Id"].(type) {
		case map[string]any:
			mod, _ := p["module"].(map[string]any)
			name, _ := mod["api_name"].(string)
			if name == "" {
				return nil, errItem("MANDATORY_NOT_FOUND", "required field not found",
					map[string]any{"api_name": "module", "json_path": jp("Parent_Id.module")})
			}
			ref = &parentRef{module: name, id: str(p["id"])}
		case string:
			name, _ := in["se_module"].(string)
			if name == "" {
				return nil, errItem("MANDATORY_NOT_FOUND", "required field not found",
					map[string]any{"api_name": "se_module", "json_path": jp("se_module")})
			}
			ref = &parentRef{module: name, id: p}
		case nil:
			return nil, errItem("MANDATORY_NOT_FOUND", "required field not found",
				map[string]any{"api_name": "Parent_Id", "json_path": jp("Parent_Id")})
		default:
			return nil, invalidItem("Parent_Id", jp("Parent_Id"), "jsonobject")
		}
	}
	m := moduleByName(ref.module)
	if m == nil || !m.parentModule() {
		return nil, errItem("INVALID_MODULE", "the module name given seems to be invalid",
			map[string]any{"api_name": "Parent_Id", "json_path": jp("Parent_Id.module")})
	}
	r := s.records[ref.id]
	if r == nil || r.module != m.APIName {
		return nil, errItem("INVALID_DATA", "the related id given seems to be invalid",
			map[string]any{"api_name": "Parent_Id", "json_path": jp("Parent_Id")})
	}
	return r, nil
}

// parentJSON is how a note names its parent in answers.
func parentJSON(r *record) map[string]any {
	name := fullName(r.fields)
	if r.module == "Deals" {
		name = str(r.fields["Deal_Name"])
	}
	return map[string]any{"module": map[string]any{"api_name": r.module, "id": modules[r.module].ID}, "id": r.id, "name": name}
}

func (s *Server) serveCreateNotes(c *call, path *parentRef) {
	_, items, ok := parseData(c)
	if !ok {
		return
	}
	m := modules["Notes"]
	results := make([]map[string]any, len(items))
	s.mu.Lock()
	for i, in := range items {
		p, e := s.resolveParentLocked(in, path, i)
		if e == nil {
			in["Parent_Id"] = parentJSON(p)
			var r *record
			if r, _, e = s.applyLocked(m, in, i, nil, c.now); e == nil {
				results[i] = s.successItem(r, "record added")
				continue
			}
		}
		results[i] = e
	}
	s.mu.Unlock()
	writeJSON(c.w, itemsStatus(results, http.StatusCreated), map[string]any{"data": results})
}

func (s *Server) notesOfLocked(parentID string) []*record {
	var out []*record
	for _, r := range s.moduleRecordsLocked("Notes") {
		if p, _ := r.fields["Parent_Id"].(map[string]any); p != nil && str(p["id"]) == parentID {
			out = append(out, r)
		}
	}
	return out
}

// serveRelatedNotes is GET /{Module}/{id}/Notes, 204 when there are
// none. Related lists are read from the database, not the search index,
// so IndexLag does not apply. Order: creation (sort_by Created_Time or
// id, the default) or last write (Modified_Time); sort_order=desc
// reverses it.
func (s *Server) serveRelatedNotes(c *call) {
	page, perPage, ok := paging(c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	s.mu.Lock()
	var notes []*record
	if p := s.records[c.rt.id]; p != nil && p.module == c.rt.module.APIName {
		notes = s.notesOfLocked(p.id)
	}
	if q.Get("sort_by") == "Modified_Time" {
		sort.SliceStable(notes, func(i, j int) bool { return notes[i].written.Before(notes[j].written) })
	}
	if strings.EqualFold(q.Get("sort_order"), "desc") {
		slices.Reverse(notes)
	}
	var all []map[string]any
	for _, r := range notes {
		all = append(all, only(s.view(r), q.Get("fields")))
	}
	s.mu.Unlock()
	writePage(c, all, page, perPage)
}

// Notes lists the notes attached to a record, in creation order.
func (s *Server) Notes(parentID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.notesOfLocked(parentID) {
		out = append(out, Record{ID: r.id, Module: r.module, Fields: s.view(r), CreatedAt: r.created})
	}
	return out
}
