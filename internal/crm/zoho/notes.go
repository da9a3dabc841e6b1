package zoho

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
)

// Timeline entries are Zoho Notes (spec §2.2.4): Zoho has no activity
// type for messages in the public API and no idempotent write, so each
// entry's key goes into its title ("… [gohavi-msg-42]"), where a retry
// can look for it.

const maxNotes = 100 // per call, and 1 credit per 10

type parentKey struct{ module, id string }

func noteParent(a crm.Activity) parentKey { return parentKey{moduleOr(a.Module), a.ContactID} }

func noteTitle(a crm.Activity) string {
	if a.Key == "" {
		return a.Title
	}
	return a.Title + " [" + a.Key + "]"
}

func noteContent(a crm.Activity) string {
	if a.Body == "" {
		return a.Title // Note_Content is mandatory; a media message may have no text
	}
	return a.Body
}

// Log writes entries in order: updates (ID set) with PUT /Notes, new ones
// with POST /Notes, 100 per call. An Uncertain entry first looks for a
// note of its parent whose title carries its key and takes that id; and
// entries repeating a key already in this call share one note. Failed
// items leave "" and the first failure is returned, except that a failed
// call, which stops the rest, is returned instead: it is why the rest is
// unwritten, and it says whether to wait (429) or retry (5xx).
func (c *Client) Log(ctx context.Context, entries []crm.Activity) ([]string, error) {
	ids := make([]string, len(entries))
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	// Uncertain entries: one look per parent, newest notes first.
	var parents []parentKey
	wanted := map[parentKey]map[string]bool{}
	for _, a := range entries {
		if a.ID == "" && a.Uncertain && a.Key != "" {
			pk := noteParent(a)
			if wanted[pk] == nil {
				wanted[pk] = map[string]bool{}
				parents = append(parents, pk)
			}
			wanted[pk][a.Key] = true
		}
	}
	for _, pk := range parents {
		found, err := c.notesByKey(ctx, pk, wanted[pk])
		if err != nil {
			return ids, err
		}
		for i, a := range entries {
			if a.ID == "" && a.Uncertain && noteParent(a) == pk {
				ids[i] = found[a.Key]
			}
		}
	}
	var updates, creates []int
	sameAs := map[int]int{} // entry → earlier entry of this call with the same parent and key
	firstOf := map[[3]string]int{}
	for i, a := range entries {
		switch {
		case a.ID != "":
			updates = append(updates, i)
		case ids[i] != "":
		default:
			k := [3]string{moduleOr(a.Module), a.ContactID, a.Key}
			if j, ok := firstOf[k]; ok && a.Key != "" {
				sameAs[i] = j
				continue
			}
			firstOf[k] = i
			creates = append(creates, i)
		}
	}
	for len(updates) > 0 {
		n := min(len(updates), maxNotes)
		if err := c.writeNotes(ctx, http.MethodPut, entries, updates[:n], ids, fail); err != nil {
			return ids, err
		}
		updates = updates[n:]
	}
	for len(creates) > 0 {
		n := min(len(creates), maxNotes)
		if err := c.writeNotes(ctx, http.MethodPost, entries, creates[:n], ids, fail); err != nil {
			return ids, err
		}
		creates = creates[n:]
	}
	for i, j := range sameAs {
		ids[i] = ids[j]
	}
	return ids, first
}

// writeNotes makes one POST or PUT /Notes for the entries at idx and
// fills ids from the per-item answer; it returns only a call failure.
func (c *Client) writeNotes(ctx context.Context, method string, entries []crm.Activity, idx []int, ids []string, fail func(error)) error {
	data := make([]any, len(idx))
	for n, i := range idx {
		a := entries[i]
		rec := map[string]any{"Note_Title": noteTitle(a), "Note_Content": noteContent(a)}
		if method == http.MethodPut {
			rec["id"] = a.ID
		} else {
			rec["Parent_Id"] = map[string]any{"module": map[string]any{"api_name": moduleOr(a.Module)}, "id": a.ContactID}
		}
		data[n] = rec
	}
	var out struct {
		Data []item `json:"data"`
	}
	if _, err := c.do(ctx, method, "/Notes", nil, map[string]any{"data": data}, &out); err != nil {
		// A batch whose items all failed comes back as a 400 with data[]:
		// those are per-item failures, not a failed call.
		var e *crm.Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || len(out.Data) == 0 {
			return err
		}
	}
	for n, i := range idx {
		if n >= len(out.Data) {
			fail(&crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "Zoho answered fewer items than sent"})
			break
		}
		it := out.Data[n]
		if !it.ok() {
			e := itemError(it)
			e.Message += " (timeline entry " + strconv.Quote(entries[i].Key) + ")"
			fail(e)
			continue
		}
		if method == http.MethodPut {
			ids[i] = entries[i].ID
		} else {
			ids[i] = flatten(it.details()["id"])
		}
	}
	return nil
}

// notesByKey pages through a parent's notes, newest first, until every
// wanted key is found. A missing parent means no notes.
func (c *Client) notesByKey(ctx context.Context, pk parentKey, keys map[string]bool) (map[string]string, error) {
	found := map[string]string{}
	for page := 1; ; page++ {
		q := url.Values{"fields": {"Note_Title"}, "per_page": {"200"}, "page": {strconv.Itoa(page)},
			"sort_by": {"Created_Time"}, "sort_order": {"desc"}}
		var out struct {
			Data []map[string]any `json:"data"`
			Info struct {
				MoreRecords bool `json:"more_records"`
			} `json:"info"`
		}
		status, err := c.do(ctx, http.MethodGet, "/"+pk.module+"/"+url.PathEscape(pk.id)+"/Notes", q, nil, &out)
		if err != nil {
			return nil, err
		}
		if status == http.StatusNoContent {
			return found, nil
		}
		for _, n := range out.Data {
			title := flatten(n["Note_Title"])
			for k := range keys {
				if found[k] == "" && strings.Contains(title, "["+k+"]") {
					found[k] = flatten(n["id"])
				}
			}
		}
		if len(found) == len(keys) || !out.Info.MoreRecords {
			return found, nil
		}
	}
}
