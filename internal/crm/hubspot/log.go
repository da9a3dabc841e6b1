package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// Association type ids (HUBSPOT_DEFINED, spec §1.3.2).
const (
	assocCommToContact = 81
	assocNoteToContact = 202
)

// maxBodyRunes caps the message text in an entry: HubSpot holds 65,536
// characters, escaping can multiply the text, and WhatsApp texts are
// 4,096 at most anyway.
const maxBodyRunes = 10000

// Log writes entries as WhatsApp communications, 100 per batch/upsert
// keyed by gohavi_key (= Activity.Key), so a retry or an update of an
// entry rewrites the same object. Upsert inputs carry no associations on
// HubSpot, so each batch is followed by one v4 association batch (81 to
// the contact); associating twice is harmless. A portal that refuses
// communications gets notes instead, from then on.
func (c *Client) Log(ctx context.Context, entries []crm.Activity) ([]string, error) {
	ids := make([]string, len(entries))
	for i, a := range entries {
		if a.Key == "" {
			return ids, &crm.Error{Kind: crm.KindInvalid, Message: fmt.Sprintf("timeline entry %d has no Key", i)}
		}
	}
	for start := 0; start < len(entries); start += crm.MaxBatch {
		chunk := entries[start:min(start+crm.MaxBatch, len(entries))]
		var got []string
		var err error
		refused := false
		if !c.notesOnly.Load() {
			got, refused, err = c.logCommunications(ctx, chunk)
			if refused {
				c.notesOnly.Store(true)
			}
		}
		if c.notesOnly.Load() {
			got, err = c.logNotes(ctx, chunk)
		}
		copy(ids[start:], got)
		if err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// keyGroup is the entries of one batch sharing a Key: HubSpot refuses a
// batch naming one id twice, so the last of them is written for all.
type keyGroup struct {
	key  string
	last int
	idx  []int
}

func groupByKey(chunk []crm.Activity) []*keyGroup {
	var out []*keyGroup
	by := map[string]*keyGroup{}
	for i, a := range chunk {
		g := by[a.Key]
		if g == nil {
			g = &keyGroup{key: a.Key}
			by[a.Key] = g
			out = append(out, g)
		}
		g.last = i
		g.idx = append(g.idx, i)
	}
	return out
}

func spread(groups []*keyGroup, n int, byKey map[string]string) []string {
	ids := make([]string, n)
	for _, g := range groups {
		for _, i := range g.idx {
			ids[i] = byKey[g.key]
		}
	}
	return ids
}

// refusesCommunications tells an error that says this portal will not
// take WhatsApp communications from us (missing scope or object, the
// channel type refused, no unique key property) from one about the data.
func refusesCommunications(err error) bool {
	var e *crm.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case crm.KindForbidden:
		return true
	case crm.KindInvalid:
		return strings.Contains(e.Message, "hs_communication_channel_type") || strings.Contains(e.Message, PropKey)
	}
	return false
}

func (c *Client) logCommunications(ctx context.Context, chunk []crm.Activity) ([]string, bool, error) {
	groups := groupByKey(chunk)
	var inputs []map[string]any
	for _, g := range groups {
		a := chunk[g.last]
		inputs = append(inputs, map[string]any{
			"id": a.Key, "idProperty": PropKey, "objectWriteTraceId": a.Key,
			"properties": map[string]string{
				"hs_communication_channel_type": "WHATS_APP",
				"hs_communication_logged_from":  "CRM",
				"hs_communication_body":         entryHTML(a),
				"hs_timestamp":                  timestamp(a.At),
				PropKey:                         a.Key,
			},
		})
	}
	var res batchResponse
	_, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/communications/batch/upsert", body: map[string]any{"inputs": inputs}}, &res)
	if err != nil {
		return make([]string, len(chunk)), refusesCommunications(err), err
	}
	byKey := map[string]string{}
	for _, o := range res.Results {
		if k := o.props()[PropKey]; k != "" {
			byKey[k] = o.ID
		}
	}
	var first error
	if len(res.Errors) > 0 {
		first = classifyItem(res.Errors[0])
		if len(byKey) == 0 && refusesCommunications(first) {
			return make([]string, len(chunk)), true, first
		}
	}
	var links []map[string]any
	for _, g := range groups {
		if id, to := byKey[g.key], chunk[g.last].ContactID; id != "" && to != "" {
			links = append(links, assocInput(id, to, assocCommToContact))
		}
	}
	if len(links) > 0 {
		var ar struct {
			Results []struct {
				FromObjectID json.Number `json:"fromObjectId"`
			} `json:"results"`
			Errors []batchError `json:"errors"`
		}
		_, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v4/associations/communications/contacts/batch/create", body: map[string]any{"inputs": links}}, &ar)
		if err != nil {
			return make([]string, len(chunk)), false, err
		}
		if len(ar.Errors) > 0 {
			// An entry not on its contact's timeline is not written: the
			// engine retries it, and the upsert makes that harmless.
			done := map[string]bool{}
			for _, r := range ar.Results {
				done[r.FromObjectID.String()] = true
			}
			for _, g := range groups {
				if id := byKey[g.key]; id != "" && chunk[g.last].ContactID != "" && !done[id] {
					delete(byKey, g.key)
				}
			}
			if first == nil {
				first = classifyItem(ar.Errors[0])
			}
		}
	}
	ids := spread(groups, len(chunk), byKey)
	if first == nil {
		for _, g := range groups {
			if byKey[g.key] == "" {
				first = &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "HubSpot answered no communication for key " + g.key}
				break
			}
		}
	}
	return ids, false, first
}

func assocInput(from, to string, typeID int) map[string]any {
	return map[string]any{
		"from": map[string]string{"id": from}, "to": map[string]string{"id": to},
		"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": typeID}},
	}
}

// entryHTML is the entry as simple HTML: the title in bold (with the
// direction in front when the title does not show it), then the text.
func entryHTML(a crm.Activity) string {
	title := strings.TrimSpace(a.Title)
	if d := a.Direction; d != "" && !strings.Contains(strings.ToLower(title), strings.ToLower(d)) {
		r := []rune(d)
		d = strings.ToUpper(string(r[:1])) + string(r[1:])
		if title == "" {
			title = "WhatsApp · " + d
		} else {
			title = d + " · " + title
		}
	}
	text := a.Body
	if r := []rune(text); len(r) > maxBodyRunes {
		text = string(r[:maxBodyRunes]) + "…"
	}
	var b strings.Builder
	if title != "" {
		b.WriteString("<p><strong>" + html.EscapeString(title) + "</strong></p>")
	}
	if text != "" {
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(text), "\n", "<br>") + "</p>")
	}
	return b.String()
}

// timestamp is hs_timestamp: epoch ms as a string.
func timestamp(at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	return strconv.FormatInt(at.UnixMilli(), 10)
}
