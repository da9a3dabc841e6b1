package hubspot

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// object is one CRM record. Search does not see props directly: it sees
// indexed, the snapshot taken when the last write became visible, which
// is how HubSpot's eventually consistent search index behaves.
type object struct {
	typ, id          string
	props            map[string]string
	created, updated time.Time
	indexed          map[string]string // nil until first visible
	indexAt          time.Time         // when props become what search sees
}

// normType maps HubSpot's accepted spellings of an object type (plural,
// singular, objectTypeId) to the plural name used here.
func normType(t string) (string, bool) {
	switch strings.ToLower(t) {
	case "contacts", "contact", "0-1":
		return "contacts", true
	case "deals", "deal", "0-3":
		return "deals", true
	case "communications", "communication", "0-18":
		return "communications", true
	case "notes", "note", "0-46":
		return "notes", true
	}
	return "", false
}

var typeIDs = map[string]string{"contacts": "0-1", "deals": "0-3", "communications": "0-18", "notes": "0-46"}

// Read-only properties HubSpot maintains; writes to them are ignored.
var readOnly = map[string]bool{
	"hs_object_id": true, "createdate": true, "lastmodifieddate": true,
	"hs_createdate": true, "hs_lastmodifieddate": true,
}

// defaultProps are what GET and search answer without ?properties=.
var defaultProps = map[string][]string{
	"contacts":       {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
	"deals":          {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
	"communications": {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
	"notes":          {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
}

// alwaysProps come back even when ?properties= names others.
var alwaysProps = map[string][]string{
	"contacts":       {"createdate", "hs_object_id", "lastmodifieddate"},
	"deals":          {"createdate", "hs_lastmodifieddate", "hs_object_id"},
	"communications": {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
	"notes":          {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
}

// lookupLocked finds an object by id, or by the value of a unique
// property when idProperty is set.
func (s *Server) lookupLocked(typ, id, idProperty string) *object {
	if idProperty == "" || idProperty == "hs_object_id" {
		return s.objects[typ][id]
	}
	return s.byUniqueLocked(typ, idProperty, id, "")
}

// byUniqueLocked finds the object other than except whose prop equals
// value. Emails compare case-insensitively, as HubSpot stores them.
func (s *Server) byUniqueLocked(typ, prop, value, except string) *object {
	if value == "" {
		return nil
	}
	for _, id := range s.order[typ] {
		o := s.objects[typ][id]
		if o.id == except {
			continue
		}
		v := o.props[prop]
		if v == value || (prop == "email" && strings.EqualFold(v, value)) {
			return o
		}
	}
	return nil
}

// isUniqueLocked reports whether prop identifies objects of typ: email for
// contacts, or a property created with hasUniqueValue.
func (s *Server) isUniqueLocked(typ, prop string) bool {
	if typ == "contacts" && prop == "email" {
		return true
	}
	d := s.props[typ][prop]
	return d != nil && d.HasUniqueValue
}

// conflictLocked returns the object that already holds one of the unique
// values in props (email or a hasUniqueValue property), and which property.
func (s *Server) conflictLocked(typ string, props map[string]string, self string) (*object, string) {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if props[name] == "" || !s.isUniqueLocked(typ, name) {
			continue
		}
		if o := s.byUniqueLocked(typ, name, props[name], self); o != nil {
			return o, name
		}
	}
	return nil, ""
}

// createLocked stores a new object; props must be valid.
func (s *Server) createLocked(typ string, props map[string]string) *object {
	now := s.now()
	s.nextID++
	o := &object{typ: typ, id: strconv.FormatInt(s.nextID, 10), props: map[string]string{}, created: now}
	if s.objects[typ] == nil {
		s.objects[typ] = map[string]*object{}
	}
	s.objects[typ][o.id] = o
	s.order[typ] = append(s.order[typ], o.id)
	o.props["hs_object_id"] = o.id
	switch typ {
	case "contacts", "deals":
		o.props["createdate"] = hsTime(now)
	default:
		o.props["hs_createdate"] = hsTime(now)
	}
	s.writeLocked(o, props)
	return o
}

// writeLocked applies props (an empty value clears the property, as on
// HubSpot) and schedules the change for search.
func (s *Server) writeLocked(o *object, props map[string]string) {
	now := s.now()
	s.indexLocked(o, now)
	for k, v := range props {
		if readOnly[k] {
			continue
		}
		if v == "" {
			delete(o.props, k)
		} else {
			o.props[k] = v
		}
	}
	o.updated = now
	if o.typ == "contacts" {
		o.props["lastmodifieddate"] = hsTime(now)
	} else {
		o.props["hs_lastmodifieddate"] = hsTime(now)
	}
	o.indexAt = now.Add(s.lag)
}

// indexLocked brings what search sees up to date when the last write has
// become visible. Writes that follow each other within the lag leave
// search with the state before the first of them until the last is due.
func (s *Server) indexLocked(o *object, now time.Time) {
	if !now.Before(o.indexAt) && o.indexAt != (time.Time{}) {
		o.indexed = maps.Clone(o.props)
	}
}

// SetSearchLag changes how long writes take to reach search. Writes
// already made keep the lag they were made with.
func (s *Server) SetSearchLag(d time.Duration) {
	s.mu.Lock()
	s.lag = max(d, 0)
	s.mu.Unlock()
}

// objectJSON is SimplePublicObject. Properties map to *string because
// HubSpot answers null for a requested property without a value.
type objectJSON struct {
	ID           string                  `json:"id"`
	Properties   map[string]*string      `json:"properties"`
	CreatedAt    string                  `json:"createdAt"`
	UpdatedAt    string                  `json:"updatedAt"`
	Archived     bool                    `json:"archived"`
	New          *bool                   `json:"new,omitempty"`
	Associations map[string]assocsInline `json:"associations,omitempty"`
}

// render shows an object with the named properties (nil: the type's
// defaults; all: every property with a value).
func render(o *object, props map[string]string, names []string, all bool) objectJSON {
	out := objectJSON{ID: o.id, Properties: map[string]*string{}, CreatedAt: hsTime(o.created), UpdatedAt: hsTime(o.updated)}
	if all {
		for k, v := range props {
			out.Properties[k] = &v
		}
		return out
	}
	if len(names) == 0 {
		names = defaultProps[o.typ]
	} else {
		names = append(slices.Clone(names), alwaysProps[o.typ]...)
	}
	for _, n := range names {
		if v, ok := props[n]; ok {
			out.Properties[n] = &v
		} else {
			out.Properties[n] = nil
		}
	}
	return out
}

// splitList reads a comma-separated query parameter that may also repeat.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
