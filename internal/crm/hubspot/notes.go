package hubspot

import (
	"context"
	"html"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
)

// Notes are the fallback timeline. They have no unique key, so a note
// carries its Activity.Key in a trailing line, and an Uncertain entry is
// looked for among its contact's notes before it is created again.

const markerPrefix = "GoHavi ref: "

func noteMarker(key string) string { return markerPrefix + html.EscapeString(key) }

// markerKey finds the key a note body carries ("" if none).
func markerKey(body string) string {
	i := strings.LastIndex(body, markerPrefix)
	if i < 0 {
		return ""
	}
	rest := body[i+len(markerPrefix):]
	if j := strings.IndexAny(rest, "<\n"); j >= 0 {
		rest = rest[:j]
	}
	return html.UnescapeString(strings.TrimSpace(rest))
}

func noteBody(a crm.Activity) string {
	return entryHTML(a) + "<p>" + noteMarker(a.Key) + "</p>"
}

// logNotes writes a batch as notes: entries with an ID, or found on their
// contact, are updated in one batch/update; the rest are created, with
// their association (202), in one batch/create.
func (c *Client) logNotes(ctx context.Context, chunk []crm.Activity) ([]string, error) {
	groups := groupByKey(chunk)
	known := map[string]string{}  // key → note id
	look := map[string][]string{} // contact → keys to look for
	for _, g := range groups {
		a := chunk[g.last]
		switch {
		case a.ID != "":
			known[g.key] = a.ID
		case a.Uncertain && a.ContactID != "":
			look[a.ContactID] = append(look[a.ContactID], g.key)
		}
	}
	for _, contact := range slices.Sorted(maps.Keys(look)) {
		found, err := c.findNotes(ctx, contact, look[contact])
		if err != nil {
			return make([]string, len(chunk)), err
		}
		for k, id := range found {
			known[k] = id
		}
	}
	byKey := map[string]string{}
	var first error
	var updates, creates []map[string]any
	var createKeys []string
	for _, g := range groups {
		a := chunk[g.last]
		props := map[string]string{"hs_note_body": noteBody(a), "hs_timestamp": timestamp(a.At)}
		if id := known[g.key]; id != "" {
			updates = append(updates, map[string]any{"id": id, "objectWriteTraceId": g.key, "properties": props})
			continue
		}
		in := map[string]any{"properties": props, "objectWriteTraceId": g.key}
		if a.ContactID != "" {
			in["associations"] = []map[string]any{{
				"to":    map[string]string{"id": a.ContactID},
				"types": []map[string]any{{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": assocNoteToContact}},
			}}
		}
		creates = append(creates, in)
		createKeys = append(createKeys, g.key)
	}
	if len(updates) > 0 {
		var res batchResponse
		if _, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/notes/batch/update", body: map[string]any{"inputs": updates}}, &res); err != nil {
			first = err
		} else {
			for _, o := range res.Results {
				if k := markerKey(o.props()["hs_note_body"]); k != "" {
					byKey[k] = o.ID
				}
			}
			if len(res.Errors) > 0 {
				first = classifyItem(res.Errors[0])
			}
		}
	}
	if len(creates) > 0 {
		var res batchResponse
		if _, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/notes/batch/create", body: map[string]any{"inputs": creates}}, &res); err != nil {
			if first == nil {
				first = err
			}
		} else {
			for _, o := range res.Results {
				if k := markerKey(o.props()["hs_note_body"]); slices.Contains(createKeys, k) {
					byKey[k] = o.ID
				}
			}
		}
	}
	ids := spread(groups, len(chunk), byKey)
	if first == nil && slices.Contains(ids, "") {
		first = &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "HubSpot answered no note for some entries"}
	}
	return ids, first
}

// findNotes reads the contact's notes and answers those carrying keys.
func (c *Client) findNotes(ctx context.Context, contact string, keys []string) (map[string]string, error) {
	ids, err := c.associated(ctx, "contacts", contact, "notes")
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	for start := 0; start < len(ids); start += crm.MaxBatch {
		var in []map[string]string
		for _, id := range ids[start:min(start+crm.MaxBatch, len(ids))] {
			in = append(in, map[string]string{"id": id})
		}
		var res batchResponse
		if _, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/notes/batch/read", body: map[string]any{
			"properties": []string{"hs_note_body"}, "inputs": in,
		}}, &res); err != nil {
			return nil, err
		}
		for _, o := range res.Results {
			if k := markerKey(o.props()["hs_note_body"]); slices.Contains(keys, k) {
				found[k] = o.ID
			}
		}
	}
	return found, nil
}
