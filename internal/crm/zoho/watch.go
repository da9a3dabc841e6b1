package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// Deal-stage changes arrive through Zoho's Notifications API (spec
// §2.3.1): a channel we create with actions/watch, which expires (at most
// a week; beyond that, or without an expiry, Zoho gives one hour) and
// must be renewed, and whose callbacks carry only the token we set.

// WatchSpec is a notification channel.
type WatchSpec struct {
	ChannelID int64
	Events    []string // "Deals.edit", "Contacts.all"…
	NotifyURL string   // its query parameters come back as query_params
	Token     string   // ≤ 50 characters; echoed in every callback
	Expiry    time.Time
}

// zohoTime is how Zoho writes datetimes (an offset, never "Z").
const zohoTime = "2006-01-02T15:04:05-07:00"

func (w WatchSpec) body() map[string]any {
	ch := map[string]any{"channel_id": w.ChannelID, "events": w.Events, "notify_url": w.NotifyURL,
		// Related-list actions (a note added to a deal…) would wake us for
		// nothing: only the deal's own fields matter.
		"notify_on_related_action": false}
	if w.Token != "" {
		ch["token"] = w.Token
	}
	if !w.Expiry.IsZero() {
		ch["channel_expiry"] = w.Expiry.Format(zohoTime)
	}
	return map[string]any{"watch": []any{ch}}
}

// Watch enables (or re-enables) a channel and returns the expiry Zoho
// granted, which may be an hour when w.Expiry is more than a week away.
func (c *Client) Watch(ctx context.Context, w WatchSpec) (time.Time, error) {
	return c.watchCall(ctx, http.MethodPost, w)
}

// RenewWatch moves an active channel's expiry (PATCH keeps the rest). A
// channel that expired is gone: KindNotFound, and Watch creates it again.
func (c *Client) RenewWatch(ctx context.Context, w WatchSpec) (time.Time, error) {
	return c.watchCall(ctx, http.MethodPatch, w)
}

func (c *Client) watchCall(ctx context.Context, method string, w WatchSpec) (time.Time, error) {
	if len(w.Token) > 50 {
		return time.Time{}, &crm.Error{Kind: crm.KindInvalid, Message: "a Zoho channel token has at most 50 characters"}
	}
	var out struct {
		Watch []item `json:"watch"`
	}
	if _, err := c.do(ctx, method, "/actions/watch", nil, w.body(), &out); err != nil {
		return time.Time{}, err
	}
	if len(out.Watch) == 0 {
		return time.Time{}, &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "actions/watch answered nothing"}
	}
	it := out.Watch[0]
	if !it.ok() {
		return time.Time{}, itemError(it)
	}
	var d struct {
		Events []struct {
			ChannelExpiry string `json:"channel_expiry"`
		} `json:"events"`
	}
	_ = json.Unmarshal(it.Details, &d)
	var until time.Time
	for _, e := range d.Events {
		if t, err := time.Parse(time.RFC3339, e.ChannelExpiry); err == nil && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	if until.IsZero() {
		return time.Time{}, &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "actions/watch answered no channel_expiry"}
	}
	return until, nil
}

// Watches lists the active channels. Zoho answers one entry per channel
// and module, with "all" spelled out as edit, create and delete; they are
// merged back into one WatchSpec per channel.
func (c *Client) Watches(ctx context.Context) ([]WatchSpec, error) {
	var specs []WatchSpec
	byID := map[int64]int{}
	for page := 1; ; page++ {
		var out struct {
			Watch []struct {
				ChannelID     flexString `json:"channel_id"`
				Events        []string   `json:"events"`
				NotifyURL     string     `json:"notify_url"`
				Token         string     `json:"token"`
				ChannelExpiry string     `json:"channel_expiry"`
			} `json:"watch"`
			Info struct {
				MoreRecords bool `json:"more_records"`
			} `json:"info"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {"200"}}
		status, err := c.do(ctx, http.MethodGet, "/actions/watch", q, nil, &out)
		if err != nil {
			return nil, err
		}
		if status == http.StatusNoContent {
			return specs, nil
		}
		for _, w := range out.Watch {
			id, err := strconv.ParseInt(string(w.ChannelID), 10, 64)
			if err != nil {
				continue
			}
			exp, _ := time.Parse(time.RFC3339, w.ChannelExpiry)
			i, ok := byID[id]
			if !ok {
				byID[id] = len(specs)
				specs = append(specs, WatchSpec{ChannelID: id, NotifyURL: w.NotifyURL, Token: w.Token, Expiry: exp})
				i = len(specs) - 1
			}
			for _, e := range w.Events {
				if !contains(specs[i].Events, e) {
					specs[i].Events = append(specs[i].Events, e)
				}
			}
			if !exp.IsZero() && exp.Before(specs[i].Expiry) {
				specs[i].Expiry = exp
			}
		}
		if !out.Info.MoreRecords {
			return specs, nil
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Unwatch disables a channel. One that is already gone (expired, or
// disabled before) counts as done.
func (c *Client) Unwatch(ctx context.Context, channelID int64) error {
	var out struct {
		Watch []item `json:"watch"`
	}
	q := url.Values{"channel_ids": {strconv.FormatInt(channelID, 10)}}
	_, err := c.do(ctx, http.MethodDelete, "/actions/watch", q, nil, &out)
	if isKind(err, crm.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, it := range out.Watch {
		if !it.ok() && it.Code != "NOT_SUBSCRIBED" {
			return itemError(it)
		}
	}
	return nil
}

// Notification is one callback POSTed to a channel's notify_url.
type Notification struct {
	ServerTime  int64 // ms since the epoch
	QueryParams map[string]string
	Module      string
	IDs         []string
	Operation   string // "insert", "update" or "delete" ("edit" is accepted too)
	ChannelID   string
	Token       string
}

// flexString takes a JSON string or number: Zoho's docs show channel_id
// both ways, and ids could follow.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*f = flexString(n.String())
	return nil
}

// ParseNotification reads a callback body. It checks the shape only; the
// caller compares Token with the channel's, in constant time.
func ParseNotification(body []byte) (Notification, error) {
	var raw struct {
		ServerTime  flexString            `json:"server_time"`
		QueryParams map[string]flexString `json:"query_params"`
		Module      string                `json:"module"`
		IDs         []flexString          `json:"ids"`
		Operation   string                `json:"operation"`
		ChannelID   flexString            `json:"channel_id"`
		Token       string                `json:"token"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Notification{}, err
	}
	if raw.ChannelID == "" || raw.Module == "" {
		return Notification{}, errors.New("channel_id and module are required")
	}
	n := Notification{Module: raw.Module, Operation: raw.Operation, ChannelID: string(raw.ChannelID), Token: raw.Token,
		QueryParams: map[string]string{}}
	if raw.ServerTime != "" {
		st, err := strconv.ParseInt(string(raw.ServerTime), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(raw.ServerTime), 64)
			if ferr != nil {
				return Notification{}, fmt.Errorf("server_time %q is not a number", raw.ServerTime)
			}
			st = int64(f)
		}
		n.ServerTime = st
	}
	for k, v := range raw.QueryParams {
		n.QueryParams[k] = string(v)
	}
	for _, id := range raw.IDs {
		if s := strings.TrimSpace(string(id)); s != "" {
			n.IDs = append(n.IDs, s)
		}
	}
	return n, nil
}

// DedupeKeys gives one key per record id: channel|module|id|server_time.
// Redeliveries of one callback repeat its server_time, so they collide;
// a later change of the same record does not.
func (n Notification) DedupeKeys() []string {
	out := make([]string, len(n.IDs))
	for i, id := range n.IDs {
		out[i] = n.ChannelID + "|" + n.Module + "|" + id + "|" + strconv.FormatInt(n.ServerTime, 10)
	}
	return out
}
