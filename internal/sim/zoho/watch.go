package zoho

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Notifications API, /crm/v7/actions/watch (spec §2.3.1): POST
// enables (or re-enables) a channel, PATCH updates the given details and
// keeps the rest, PUT replaces them, GET lists active channels one entry
// per module, DELETE ?channel_ids= disables. Channels expire silently.

const (
	maxChannelLife = 7 * 24 * time.Hour
	defaultLife    = time.Hour
	maxTokenLen    = 50
	maxCondFields  = 10
)

type channel struct {
	id            int64
	events        []string // as given: "Deals.edit", "Deals.all"…
	notifyURL     string
	token         string
	expiry        time.Time
	returnValues  bool
	relatedAction bool
	condition     any                        // notification_condition as given, echoed by GET
	condFields    map[string]map[string]bool // module → fields that must change for an edit to notify
	base          string                     // api_domain the channel was created on, for resource_uri
}

// modulesOf lists the modules a channel watches, in first-seen order.
func (ch *channel) modulesOf() []string {
	var out []string
	for _, e := range ch.events {
		m, _, _ := strings.Cut(e, ".")
		if !contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// watches reports whether ch wants op ("create", "edit", "delete") on module.
func (ch *channel) watches(module, op string) bool {
	return contains(ch.events, module+"."+op) || contains(ch.events, module+".all")
}

func watchItemErr(code, field string, idx int, msg string) map[string]any {
	return errItem(code, msg, map[string]any{"api_name": field, "json_path": fmt.Sprintf("$.watch[%d].%s", idx, field)})
}

// parseChannel validates one watch[] entry. prev is the channel a PATCH
// updates: absent keys keep its values.
func (s *Server) parseChannel(in map[string]any, idx int, method string, prev *channel, c *call) (*channel, map[string]any) {
	ch := &channel{relatedAction: true, base: c.base}
	if prev != nil && method == "PATCH" {
		cp := *prev
		cp.events = append([]string(nil), prev.events...)
		ch = &cp
	}
	for _, k := range []string{"channel_id", "events", "notify_url"} {
		if empty(in[k]) {
			return nil, watchItemErr("MANDATORY_NOT_FOUND", k, idx, "required field not found")
		}
	}
	id, err := strconv.ParseInt(str(in["channel_id"]), 10, 64)
	if err != nil || id <= 0 {
		return nil, watchItemErr("INVALID_DATA", "channel_id", idx, "invalid data")
	}
	ch.id = id
	evs, ok := in["events"].([]any)
	if !ok || len(evs) == 0 {
		return nil, watchItemErr("INVALID_DATA", "events", idx, "invalid data")
	}
	var events []string
	for _, e := range evs {
		es, _ := e.(string)
		mod, op, _ := strings.Cut(es, ".")
		m := moduleByName(mod)
		if m == nil || !m.parentModule() || !contains([]string{"create", "edit", "delete", "all"}, op) {
			return nil, watchItemErr("INVALID_DATA", "events", idx, "invalid data")
		}
		events = append(events, m.APIName+"."+op)
	}
	if method == "PATCH" {
		for _, e := range events {
			if !contains(ch.events, e) {
				ch.events = append(ch.events, e)
			}
		}
	} else {
		ch.events = events
	}
	u, err := url.Parse(str(in["notify_url"]))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, watchItemErr("INVALID_DATA", "notify_url", idx, "invalid data")
	}
	ch.notifyURL = u.String()
	if v, ok := in["token"]; ok {
		if t, _ := v.(string); len(t) > maxTokenLen || (v != nil && !isString(v)) {
			return nil, watchItemErr("INVALID_DATA", "token", idx, "invalid data")
		}
		ch.token = str(v)
	}
	if v, ok := in["channel_expiry"]; ok && !empty(v) {
		t, err := time.Parse(time.RFC3339, str(v))
		if err != nil || !t.After(c.now) {
			return nil, watchItemErr("INVALID_DATA", "channel_expiry", idx, "invalid data")
		}
		if t.Sub(c.now) > maxChannelLife {
			t = c.now.Add(defaultLife) // beyond the week: Zoho falls back to one hour
		}
		ch.expiry = t
	} else if method != "PATCH" || prev == nil {
		ch.expiry = c.now.Add(defaultLife)
	}
	if v, ok := in["return_affected_field_values"].(bool); ok {
		ch.returnValues = v
	}
	if v, ok := in["notify_on_related_action"].(bool); ok {
		ch.relatedAction = v
	}
	if v, ok := in["notification_condition"]; ok && v != nil {
		fields, e := parseCondition(v, idx)
		if e != nil {
			return nil, e
		}
		ch.condition, ch.condFields = v, fields
	}
	return ch, nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

// parseCondition reads the field_selection conditions: which fields must
// change for an edit to be notified, per module.
func parseCondition(v any, idx int) (map[string]map[string]bool, map[string]any) {
	list, ok := v.([]any)
	if !ok || len(list) > 2 {
		return nil, watchItemErr("INVALID_DATA", "notification_condition", idx, "invalid data")
	}
	out := map[string]map[string]bool{}
	for _, x := range list {
		c, _ := x.(map[string]any)
		if c["type"] == nil && c["field_selection"] != nil {
			return nil, watchItemErr("DEPENDENT_FIELD_MISSING", "type", idx, "dependent field missing")
		}
		if c["type"] != "field_selection" {
			return nil, watchItemErr("INVALID_DATA", "notification_condition", idx, "invalid data")
		}
		mod, _ := c["module"].(map[string]any)
		m := moduleByName(str(mod["api_name"]))
		if m == nil {
			return nil, watchItemErr("EXPECTED_FIELD_MISSING", "module", idx, "expected field missing")
		}
		fields := map[string]bool{}
		var walk func(g any) bool
		walk = func(g any) bool {
			sel, _ := g.(map[string]any)
			if op := sel["group_operator"]; op != nil && op != "and" && op != "or" {
				return false
			}
			group, _ := sel["group"].([]any)
			for _, item := range group {
				it, _ := item.(map[string]any)
				if f, ok := it["field"].(map[string]any); ok {
					name := str(f["api_name"])
					if m.field(name) == nil {
						return false
					}
					fields[name] = true
				} else if !walk(it) {
					return false
				}
			}
			return true
		}
		if !walk(c["field_selection"]) || len(fields) == 0 || len(fields) > maxCondFields {
			return nil, watchItemErr("INVALID_DATA", "notification_condition", idx, "invalid data")
		}
		out[m.APIName] = fields
	}
	return out, nil
}

func (s *Server) eventsJSON(ch *channel) []map[string]any {
	var out []map[string]any
	for _, mod := range ch.modulesOf() {
		out = append(out, map[string]any{"channel_expiry": s.fmtTime(ch.expiry), "resource_uri": ch.base + "/crm/v2/" + mod,
			"resource_id": modules[mod].ID, "resource_name": mod, "channel_id": strconv.FormatInt(ch.id, 10)})
	}
	return out
}

func (s *Server) serveWatch(c *call) {
	switch c.r.Method {
	case "GET":
		s.listWatches(c)
		return
	case "DELETE":
		s.disableWatches(c)
		return
	}
	var body struct {
		Watch []map[string]any `json:"watch"`
	}
	// UseNumber: channel ids are longs and must not round through float64.
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		apiError(c.w, http.StatusBadRequest, "INVALID_DATA", "body is not a valid JSON", nil)
		return
	}
	if len(body.Watch) == 0 {
		apiError(c.w, http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "watch"})
		return
	}
	msg, okStatus := "Successfully subscribed for actions-watch of the given module", http.StatusCreated
	if c.r.Method != "POST" {
		msg, okStatus = "Successfully updated the subscribe details", http.StatusOK
	}
	results := make([]map[string]any, len(body.Watch))
	s.mu.Lock()
	for i, in := range body.Watch {
		id, _ := strconv.ParseInt(str(in["channel_id"]), 10, 64)
		prev := s.channels[id]
		if prev != nil && !c.now.Before(prev.expiry) {
			prev = nil // an expired channel is gone; only POST brings it back
		}
		if c.r.Method != "POST" && prev == nil && id > 0 {
			results[i] = errItem("NOT_SUBSCRIBED", "not subscribed for actions-watch",
				map[string]any{"channel_id": strconv.FormatInt(id, 10)})
			continue
		}
		ch, e := s.parseChannel(in, i, c.r.Method, prev, c)
		if e != nil {
			results[i] = e
			continue
		}
		s.channels[ch.id] = ch
		results[i] = map[string]any{"code": "SUCCESS", "details": map[string]any{"events": s.eventsJSON(ch)},
			"message": msg, "status": "success"}
	}
	s.mu.Unlock()
	writeJSON(c.w, itemsStatus(results, okStatus), map[string]any{"watch": results})
}

func expand(events []string, module string) []string {
	var out []string
	for _, e := range events {
		m, op, _ := strings.Cut(e, ".")
		if m != module {
			continue
		}
		ops := []string{op}
		if op == "all" {
			ops = []string{"edit", "create", "delete"} // GET lists "all" expanded, as in Zoho's sample
		}
		for _, o := range ops {
			if !contains(out, m+"."+o) {
				out = append(out, m+"."+o)
			}
		}
	}
	return out
}

func (s *Server) listWatches(c *call) {
	q := c.r.URL.Query()
	page, perPage, ok := paging(c)
	if !ok {
		return
	}
	s.mu.Lock()
	var all []map[string]any
	for _, ch := range s.sortedChannelsLocked() {
		if !c.now.Before(ch.expiry) || (q.Get("channel_id") != "" && q.Get("channel_id") != strconv.FormatInt(ch.id, 10)) {
			continue
		}
		for _, mod := range ch.modulesOf() {
			if q.Get("module") != "" && !strings.EqualFold(q.Get("module"), mod) {
				continue
			}
			all = append(all, map[string]any{
				"notify_on_related_action": ch.relatedAction, "channel_expiry": s.fmtTime(ch.expiry),
				"return_affected_field_values": ch.returnValues, "resource_uri": ch.base + "/crm/v2/" + mod,
				"resource_id": modules[mod].ID, "notify_url": ch.notifyURL, "resource_name": mod, "fields": nil,
				"notification_condition": ch.condition, "channel_id": strconv.FormatInt(ch.id, 10),
				"events": expand(ch.events, mod), "token": ch.token,
			})
		}
	}
	s.mu.Unlock()
	if len(all) == 0 {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	from := min((page-1)*perPage, len(all))
	to := min(from+perPage, len(all))
	writeJSON(c.w, http.StatusOK, map[string]any{"watch": all[from:to], "info": map[string]any{
		"per_page": perPage, "count": to - from, "page": page, "more_records": to < len(all)}})
}

func (s *Server) disableWatches(c *call) {
	ids := c.r.URL.Query().Get("channel_ids")
	if ids == "" {
		apiError(c.w, http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
			map[string]any{"param_name": "channel_ids"})
		return
	}
	var results []map[string]any
	s.mu.Lock()
	for _, raw := range strings.Split(ids, ",") {
		id, _ := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		ch := s.channels[id]
		if ch == nil || !c.now.Before(ch.expiry) {
			results = append(results, errItem("NOT_SUBSCRIBED", "not subscribed for actions-watch",
				map[string]any{"channel_id": strings.TrimSpace(raw)}))
			continue
		}
		delete(s.channels, id)
		for _, mod := range ch.modulesOf() {
			results = append(results, map[string]any{"code": "SUCCESS", "status": "success",
				"message": "Successfully un-subscribed from actions-watch", "details": map[string]any{
					"resource_uri": ch.base + "/crm/v2/" + mod, "resource_id": modules[mod].ID,
					"channel_id": strconv.FormatInt(id, 10)}})
		}
	}
	s.mu.Unlock()
	writeJSON(c.w, itemsStatus(results, http.StatusOK), map[string]any{"watch": results})
}

func (s *Server) sortedChannelsLocked() []*channel {
	out := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Channels lists every watch channel, expired ones included, by id.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, ch := range s.sortedChannelsLocked() {
		out = append(out, Channel{ID: ch.id, Events: append([]string(nil), ch.events...), NotifyURL: ch.notifyURL,
			Token: ch.token, Expiry: ch.expiry})
	}
	return out
}
