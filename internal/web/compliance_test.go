package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/sim/meta"
)

// TestStopKeyword: a customer's STOP is recorded in their consent ledger,
// answered with a confirmation, and outreach to them is then refused.
func TestStopKeyword(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		const who = "447700900888"
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: who, Name: "Fay", Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		conv := n.conversationWith(t, key, who)
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: who, Name: "Fay", Text: " stop "}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the STOP confirmation", func() bool {
			for _, m := range n.Sim.Sent(sandboxPhone) {
				if m.WaID == who && strings.Contains(string(m.Request), "unsubscribed") {
					return true
				}
			}
			return false
		})
		r := n.call(t, "GET", fmt.Sprintf("/api/v1/contacts/%d/consent", conv.Contact.ID), nil, key)
		var ledger struct {
			Data []struct {
				Action, Source, Evidence string
			} `json:"data"`
			State struct {
				OptedOut bool `json:"opted_out"`
			} `json:"state"`
		}
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &ledger) != nil || !ledger.State.OptedOut {
			t.Fatalf("ledger: %d %s", r.Status, r.Body)
		}
		var sources []string
		for _, e := range ledger.Data {
			sources = append(sources, e.Action+"/"+e.Source)
		}
		if got := strings.Join(sources, ","); got != "opt_in/customer_started,opt_out/keyword" {
			t.Fatalf("ledger events: %s", got)
		}
	})
}

// TestCompliance: the compliance view shows each number and the recent
// refusals by reason.
func TestCompliance(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		if r := n.call(t, "POST", "/api/v1/messages", `{"to":"+447700900444","type":"text","text":{"body":"hi"}}`, key); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("send: %d", r.Status)
		}
		r := n.call(t, "GET", "/api/v1/compliance", nil, key)
		var c struct {
			Numbers []struct {
				NumberID  int64  `json:"number_id"`
				Portfolio string `json:"portfolio"`
			} `json:"numbers"`
			Denials struct {
				ByCode map[string]int `json:"by_code"`
				Recent []struct {
					Code, WaID, Source string
				} `json:"recent"`
			} `json:"denials"`
		}
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &c) != nil {
			t.Fatalf("compliance: %d %s", r.Status, r.Body)
		}
		if len(c.Numbers) != 1 || c.Numbers[0].Portfolio == "" {
			t.Fatalf("numbers: %+v", c.Numbers)
		}
		if c.Denials.ByCode["window_closed"] != 1 || len(c.Denials.Recent) != 1 || c.Denials.Recent[0].Source != "api" {
			t.Fatalf("denials: %s", r.Body)
		}
	})
}
