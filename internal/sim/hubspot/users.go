package hubspot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// What a CRM user does in HubSpot's web app: no token, no limits, no
// validation beyond what the UI itself enforces.

var (
	ErrNotFound     = errors.New("hubspot sim: no such object")
	ErrInvalidStage = errors.New("hubspot sim: stage is not in the deal's pipeline")
)

// Object is a CRM record as tests see it.
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
}

// Entry is a timeline entry on a contact.
type Entry struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"` // "communication" | "note"
	Properties map[string]string `json:"properties"`
}

// Delivery shapes the webhooks of a change.
type Delivery struct {
	Copies int `json:"copies"` // deliver the event this many times (default 1), as HubSpot may
}

// CreateContact adds a contact as a user typing it in: visible to search
// after the search lag, like any write.
func (s *Server) CreateContact(props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked("contacts", maps.Clone(props)).id
}

// Contacts lists every contact in creation order (for counting duplicates).
func (s *Server) Contacts() []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, id := range s.order["contacts"] {
		o := s.objects["contacts"][id]
		out = append(out, Object{ID: o.id, Properties: maps.Clone(o.props), CreatedAt: o.created})
	}
	return out
}

// CreateDeal adds a deal associated with contactIDs, without a webhook.
// An empty pipeline is "default"; an empty stage is the pipeline's first.
func (s *Server) CreateDeal(name, pipelineID, stageID string, props map[string]string, contactIDs ...string) string {
	if pipelineID == "" {
		pipelineID = "default"
	}
	if p := findPipeline(pipelineID); p != nil && stageID == "" {
		stageID = p.Stages[0].ID
	}
	all := maps.Clone(props)
	if all == nil {
		all = map[string]string{}
	}
	all["dealname"], all["pipeline"], all["dealstage"] = name, pipelineID, stageID
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.createLocked("deals", all)
	for _, c := range contactIDs {
		if s.objects["contacts"][c] != nil {
			s.associateLocked("deals", o.id, "contacts", c, 3)
		}
	}
	return o.id
}

// MoveDeal changes a deal's stage as a user dragging it on the board. A
// real change sends a deal.propertyChange webhook for dealstage (d.Copies
// times); moving a deal to the stage it is in changes nothing.
func (s *Server) MoveDeal(dealID, stageID string, d Delivery) error {
	s.mu.Lock()
	o := s.objects["deals"][dealID]
	if o == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: deal %s", ErrNotFound, dealID)
	}
	if p := findPipeline(o.props["pipeline"]); p == nil || p.stage(stageID) == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrInvalidStage, stageID)
	}
	if o.props["dealstage"] == stageID {
		s.mu.Unlock()
		return nil
	}
	s.writeLocked(o, map[string]string{"dealstage": stageID})
	s.nextEvt++
	ev := event{
		EventID: s.nextEvt, SubscriptionID: dealStageSubscriptionID, PortalID: s.cfg.PortalID, AppID: s.cfg.AppID,
		OccurredAt: s.now().UnixMilli(), SubscriptionType: "deal.propertyChange", ObjectID: objectIDInt(dealID),
		PropertyName: "dealstage", PropertyValue: stageID, ChangeSource: "CRM", SourceID: fmt.Sprintf("userId:%d", simUserID),
	}
	s.mu.Unlock()
	s.hooks.enqueue(ev, d.Copies)
	return nil
}

// Timeline lists the communications and notes associated with a contact,
// by hs_timestamp, then creation.
func (s *Server) Timeline(contactID string) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	type item struct {
		Entry
		o *object
	}
	var items []item
	for _, typ := range []string{"communications", "notes"} {
		for _, l := range s.assoc[assocKey{"contacts", contactID, typ}] {
			if o := s.objects[typ][l.toID]; o != nil {
				items = append(items, item{Entry{ID: o.id, Type: strings.TrimSuffix(typ, "s"), Properties: maps.Clone(o.props)}, o})
			}
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		ta, _ := parseTimestamp(a.o.props["hs_timestamp"])
		tb, _ := parseTimestamp(b.o.props["hs_timestamp"])
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		if c := a.o.created.Compare(b.o.created); c != 0 {
			return c
		}
		return cmpFloat(float64(objectIDInt(a.o.id)), float64(objectIDInt(b.o.id)))
	})
	out := make([]Entry, len(items))
	for i, it := range items {
		out[i] = it.Entry
	}
	return out
}
