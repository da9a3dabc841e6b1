package hubspot

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// pipeline is a deal pipeline as /crm/v3/pipelines/deals shows it.
type pipeline struct {
	ID           string  `json:"id"`
	Label        string  `json:"label"`
	DisplayOrder int     `json:"displayOrder"`
	Archived     bool    `json:"archived"`
	CreatedAt    string  `json:"createdAt"`
	UpdatedAt    string  `json:"updatedAt"`
	Stages       []stage `json:"stages"`
}

type stage struct {
	ID               string            `json:"id"`
	Label            string            `json:"label"`
	DisplayOrder     int               `json:"displayOrder"`
	Metadata         map[string]string `json:"metadata"`
	Archived         bool              `json:"archived"`
	WritePermissions string            `json:"writePermissions"`
	CreatedAt        string            `json:"createdAt"`
	UpdatedAt        string            `json:"updatedAt"`
}

func (p *pipeline) stage(id string) *stage {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i]
		}
	}
	return nil
}

// pipelines are the portal's deal pipelines: HubSpot's default one with
// its seven standard stage ids, and one a user added, whose ids are
// numeric strings (spec §1.3.3).
var pipelines = func() []pipeline {
	at := hsTime(time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC))
	mk := func(id, label string, order int, stages [][3]string) pipeline {
		p := pipeline{ID: id, Label: label, DisplayOrder: order, CreatedAt: at, UpdatedAt: at}
		for i, st := range stages {
			md := map[string]string{"probability": st[2]}
			if st[2] == "1.0" || st[2] == "0.0" {
				md["isClosed"] = "true"
			} else {
				md["isClosed"] = "false"
			}
			p.Stages = append(p.Stages, stage{ID: st[0], Label: st[1], DisplayOrder: i, Metadata: md,
				WritePermissions: "CRM_PERMISSIONS_ENFORCEMENT", CreatedAt: at, UpdatedAt: at})
		}
		return p
	}
	return []pipeline{
		mk("default", "Sales Pipeline", 0, [][3]string{
			{"appointmentscheduled", "Appointment Scheduled", "0.2"},
			{"qualifiedtobuy", "Qualified To Buy", "0.4"},
			{"presentationscheduled", "Presentation Scheduled", "0.6"},
			{"decisionmakerboughtin", "Decision Maker Bought-In", "0.8"},
			{"contractsent", "Contract Sent", "0.9"},
			{"closedwon", "Closed Won", "1.0"},
			{"closedlost", "Closed Lost", "0.0"},
		}),
		mk("12345678", "Renewals", 1, [][3]string{
			{"12345679", "Renewal Due", "0.3"},
			{"12345680", "Renewal Qualified", "0.6"},
			{"12345681", "Renewed", "1.0"},
			{"12345682", "Churned", "0.0"},
		}),
	}
}()

func findPipeline(id string) *pipeline {
	for i := range pipelines {
		if pipelines[i].ID == id {
			return &pipelines[i]
		}
	}
	return nil
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request, _ *caller) {
	if typ, _ := normType(r.PathValue("objectType")); typ != "deals" {
		writeJSON(w, http.StatusOK, map[string]any{"results": []pipeline{}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": pipelines})
}

func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, _ *caller) {
	p := findPipeline(r.PathValue("pipelineId"))
	if typ, _ := normType(r.PathValue("objectType")); typ != "deals" || p == nil {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find pipeline "+r.PathValue("pipelineId"), nil)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// assocDef is a HUBSPOT_DEFINED association type and its reverse (§1.3.2).
type assocDef struct {
	from, to     string
	id, reverse  int
	name, rename string
}

var assocDefs = []assocDef{
	{"deals", "contacts", 3, 4, "deal_to_contact", "contact_to_deal"},
	{"communications", "contacts", 81, 82, "communication_to_contact", "contact_to_communication"},
	{"communications", "deals", 85, 86, "communication_to_deal", "deal_to_communication"},
	{"notes", "contacts", 202, 201, "note_to_contact", "contact_to_note"},
	{"notes", "deals", 214, 213, "note_to_deal", "deal_to_note"},
}

// assocFrom finds the type typeID goes to from typ, its reverse id and name.
func assocFrom(typ string, typeID int) (to string, reverse int, name string, ok bool) {
	for _, d := range assocDefs {
		if d.from == typ && d.id == typeID {
			return d.to, d.reverse, d.name, true
		}
		if d.to == typ && d.reverse == typeID {
			return d.from, d.id, d.rename, true
		}
	}
	return "", 0, "", false
}

type assocKey struct{ typ, id, toTyp string }

type assocLink struct {
	toID    string
	typeIDs []int
}

// link is one association to make: to toTyp/toID with typeID.
type link struct {
	toTyp, toID string
	typeID      int
}

// resolveLinksLocked checks inline associations: known HubSpot-defined
// types whose target exists.
func (s *Server) resolveLinksLocked(typ string, in []assocInput) ([]link, *failure) {
	var out []link
	for _, a := range in {
		for _, t := range a.Types {
			to, _, _, ok := assocFrom(typ, t.AssociationTypeID)
			if !ok || t.AssociationCategory != "HUBSPOT_DEFINED" {
				return nil, validation(fmt.Sprintf("Invalid association type: %s %d from %s", t.AssociationCategory, t.AssociationTypeID, typ))
			}
			if s.objects[to][string(a.To.ID)] == nil {
				return nil, validation(fmt.Sprintf("One or more associations are invalid: %s %s does not exist", to, a.To.ID))
			}
			out = append(out, link{to, string(a.To.ID), t.AssociationTypeID})
		}
	}
	return out, nil
}

func (s *Server) linkLocked(o *object, links []link) {
	for _, l := range links {
		s.associateLocked(o.typ, o.id, l.toTyp, l.toID, l.typeID)
	}
}

// associateLocked records an association both ways; making one twice is a
// no-op, as on HubSpot.
func (s *Server) associateLocked(typ, id, toTyp, toID string, typeID int) {
	_, reverse, _, _ := assocFrom(typ, typeID)
	add := func(typ, id, toTyp, toID string, typeID int) {
		k := assocKey{typ, id, toTyp}
		for _, l := range s.assoc[k] {
			if l.toID == toID {
				if !slices.Contains(l.typeIDs, typeID) {
					l.typeIDs = append(l.typeIDs, typeID)
				}
				return
			}
		}
		s.assoc[k] = append(s.assoc[k], &assocLink{toID: toID, typeIDs: []int{typeID}})
	}
	add(typ, id, toTyp, toID, typeID)
	add(toTyp, toID, typ, id, reverse)
}

// assocsInline is the associations block of SimplePublicObjectWithAssociations.
type assocsInline struct {
	Results []assocRef  `json:"results"`
	Paging  *pagingNext `json:"paging,omitempty"`
}

type assocRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type pagingNext struct {
	Next struct {
		After string `json:"after"`
		Link  string `json:"link,omitempty"`
	} `json:"next"`
}

// inlineAssocLimit is how many associations GET object answers inline;
// the rest is reached through the v4 list.
const inlineAssocLimit = 100

func (s *Server) inlineLocked(o *object, toTyp string) assocsInline {
	out := assocsInline{Results: []assocRef{}}
	links := s.assoc[assocKey{o.typ, o.id, toTyp}]
	for i, l := range links {
		if i == inlineAssocLimit {
			out.Paging = &pagingNext{}
			out.Paging.Next.After = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(i)))
			out.Paging.Next.Link = fmt.Sprintf("/crm/v4/objects/%s/%s/associations/%s?after=%s", o.typ, o.id, toTyp, out.Paging.Next.After)
			break
		}
		for _, t := range l.typeIDs {
			_, _, name, _ := assocFrom(o.typ, t)
			out.Results = append(out.Results, assocRef{ID: l.toID, Type: name})
		}
	}
	return out
}

// listAssociations serves the v4 list: ≤500 a page, after is an opaque
// base64 cursor, an unknown object has none.
func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request, _ *caller) {
	from, ok1 := normType(r.PathValue("from"))
	to, ok2 := normType(r.PathValue("to"))
	if !ok1 || !ok2 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unknown object type", nil)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	start := 0
	if a := r.URL.Query().Get("after"); a != "" {
		raw, err := base64.StdEncoding.DecodeString(a)
		if start, err = strconv.Atoi(string(raw)); err != nil || start < 0 {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid after cursor: "+a, nil)
			return
		}
	}
	type typeOut struct {
		Category string  `json:"category"`
		TypeID   int     `json:"typeId"`
		Label    *string `json:"label"`
	}
	type result struct {
		ToObjectID       int64     `json:"toObjectId"`
		AssociationTypes []typeOut `json:"associationTypes"`
	}
	s.mu.Lock()
	links := s.assoc[assocKey{from, r.PathValue("id"), to}]
	results := []result{}
	for i := start; i < len(links) && i < start+limit; i++ {
		res := result{ToObjectID: objectIDInt(links[i].toID)}
		for _, t := range links[i].typeIDs {
			res.AssociationTypes = append(res.AssociationTypes, typeOut{Category: "HUBSPOT_DEFINED", TypeID: t})
		}
		results = append(results, res)
	}
	more := start+limit < len(links)
	s.mu.Unlock()
	body := map[string]any{"results": results}
	if more {
		p := pagingNext{}
		p.Next.After = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(start + limit)))
		p.Next.Link = fmt.Sprintf("%s?after=%s", r.URL.Path, p.Next.After)
		body["paging"] = p
	}
	writeJSON(w, http.StatusOK, body)
}

// createAssociations serves the v4 batch create. Inputs whose objects do
// not exist come back as errors (207) beside the ones made.
func (s *Server) createAssociations(w http.ResponseWriter, r *http.Request, _ *caller) {
	from, ok1 := normType(r.PathValue("from"))
	to, ok2 := normType(r.PathValue("to"))
	if !ok1 || !ok2 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unknown object type", nil)
		return
	}
	var in struct {
		Inputs []struct {
			From  struct{ ID scalar } `json:"from"`
			To    struct{ ID scalar } `json:"to"`
			Types []assocType         `json:"types"`
		} `json:"inputs"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if len(in.Inputs) > maxBatch {
		validation(fmt.Sprintf("Batch input limit exceeded. The maximum number of inputs is %d, but %d were provided.", maxBatch, len(in.Inputs))).write(w)
		return
	}
	started := hsTime(s.now())
	var results []map[string]any
	var errs []apiError
	s.mu.Lock()
	for _, x := range in.Inputs {
		fromID, toID := string(x.From.ID), string(x.To.ID)
		var f *failure
		switch {
		case s.objects[from][fromID] == nil:
			f = notFound(from, fromID)
		case s.objects[to][toID] == nil:
			f = notFound(to, toID)
		}
		for _, t := range x.Types {
			if dst, _, _, ok := assocFrom(from, t.AssociationTypeID); f == nil && (!ok || dst != to) {
				f = validation(fmt.Sprintf("Association type %d is not valid from %s to %s", t.AssociationTypeID, from, to))
			}
		}
		if f != nil {
			errs = append(errs, f.body())
			continue
		}
		for _, t := range x.Types {
			s.associateLocked(from, fromID, to, toID, t.AssociationTypeID)
		}
		results = append(results, map[string]any{
			"fromObjectTypeId": typeIDs[from], "fromObjectId": objectIDInt(fromID),
			"toObjectTypeId": typeIDs[to], "toObjectId": objectIDInt(toID), "labels": []string{},
		})
	}
	s.mu.Unlock()
	status := http.StatusCreated
	body := map[string]any{"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": hsTime(s.now())}
	if results == nil {
		body["results"] = []any{}
	}
	if len(errs) > 0 {
		status = http.StatusMultiStatus
		body["errors"], body["numErrors"] = errs, len(errs)
	}
	writeJSON(w, status, body)
}
