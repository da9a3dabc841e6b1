package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/schedule"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
)

type scheduledJSON struct {
	view.Scheduled
	Warnings []string `json:"warnings"`
	Policy   struct {
		Allowed bool   `json:"allowed"`
		Code    string `json:"code"`
	} `json:"policy"`
}

func scheduledPath(convID int64) string { return convPath(convID, "/scheduled") }

func (n *node) scheduleText(t testing.TB, o opt, convID int64, text string, when map[string]any) scheduledJSON {
	t.Helper()
	body := map[string]any{"type": "text", "text": map[string]string{"body": text}}
	for k, v := range when {
		body[k] = v
	}
	var s scheduledJSON
	n.call(t, http.MethodPost, scheduledPath(convID), body, o).want(t, http.StatusCreated, &s)
	return s
}

// sendDueAt runs one sender pass on this node's database and pipeline as
// if the clock read at: the node's own loop keeps the wall clock.
func (n *node) sendDueAt(t testing.TB, at time.Time) int {
	t.Helper()
	s := &schedule.Service{DB: n.DB, Send: n.Outbound, Hub: n.Hub, Clock: domain.NewFakeClock(at), Log: n.Log, Node: "test-node"}
	done, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func (n *node) simSentText(text string) int {
	c := 0
	for _, m := range n.Sim.Sent(sandboxPhone) {
		if strings.Contains(string(m.Request), text) {
			c++
		}
	}
	return c
}

// TestScheduledMessages: scheduling in the agent's time zone, listing,
// canceling, the send at its time through the simulator (once), and the
// live events.
func TestScheduledMessages(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		// Through the simulator, so its own 24-hour window is open too.
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900601", Name: "Eve", Text: "remind me?"}); err != nil {
			t.Fatal(err)
		}
		conv := n.conversationWith(t, annOpt, "447700900601")
		stream := n.openEvents(t, annOpt)

		// Tomorrow 09:00 on New York's wall clock.
		ny, _ := time.LoadLocation("America/New_York")
		tomorrow := time.Now().In(ny).AddDate(0, 0, 1)
		local := tomorrow.Format("2006-01-02") + "T09:00"
		s := n.scheduleText(t, annOpt, conv.ID, "Good morning!", map[string]any{"send_at_local": local, "time_zone": "America/New_York"})
		want := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 9, 0, 0, 0, ny)
		if s.SendAt == nil || *s.SendAt != want.UTC().Format("2006-01-02T15:04:05.000Z") || (want.UTC().Hour() != 14 && want.UTC().Hour() != 13) {
			t.Fatalf("send_at %v for %s New York, want %s", s.SendAt, local, want.UTC())
		}
		if s.Local != want.Format(time.RFC3339) || !strings.HasPrefix(s.Local, local+":00-0") || s.TimeZone != "America/New_York" ||
			s.Status != "pending" || s.Type != "text" || s.Text != "Good morning!" || s.ConversationID != conv.ID ||
			s.CreatedBy == nil || s.CreatedBy.ID != ann.ID || s.CreatedBy.Name != "Ann" || s.Error != nil || s.MessageID != 0 ||
			!s.Policy.Allowed || s.Warnings == nil {
			t.Fatalf("scheduled: %+v", s)
		}
		stream.waitFor(t, "scheduled.created", func(ev sseEvent) bool {
			return ev.Type == domain.EventScheduledCreated && strings.Contains(ev.Data, fmt.Sprintf(`"id":%d,`, s.ID)) && strings.Contains(ev.Data, `"status":"pending"`)
		})

		// An instant with its offset; due soon.
		soon := time.Now().Add(30 * time.Second).Truncate(time.Second)
		due := n.scheduleText(t, annOpt, conv.ID, "Your order is ready.", map[string]any{"send_at": soon.In(ny).Format(time.RFC3339)})
		if *due.SendAt != soon.UTC().Format("2006-01-02T15:04:05.000Z") || due.TimeZone != "UTC" {
			t.Fatalf("instant: %+v", due)
		}
		var list struct{ Data []view.Scheduled }
		n.call(t, http.MethodGet, scheduledPath(conv.ID), nil, annOpt).want(t, http.StatusOK, &list)
		if len(list.Data) != 2 || list.Data[0].ID != due.ID || list.Data[1].ID != s.ID {
			t.Fatalf("list: %+v", list.Data)
		}

		// Its time comes: it goes once, through the one pipeline.
		if got := n.sendDueAt(t, soon.Add(time.Second)); got != 1 {
			t.Fatalf("settled %d, want 1", got)
		}
		if got := n.sendDueAt(t, soon.Add(time.Minute)); got != 0 {
			t.Fatalf("settled %d more", got)
		}
		var sent view.Scheduled
		eventually(t, 10*time.Second, "the scheduled message marked sent", func() bool {
			n.call(t, http.MethodGet, scheduledPath(conv.ID), nil, annOpt).want(t, http.StatusOK, &list)
			for _, m := range list.Data {
				if m.ID == due.ID {
					sent = m
				}
			}
			return sent.Status == "sent"
		})
		msg := n.waitStatus(t, annOpt, sent.MessageID, "sent", "delivered", "read")
		if msg.Text != "Your order is ready." || msg.SentBy != ann.ID || msg.ConversationID != conv.ID {
			t.Fatalf("message: %+v", msg)
		}
		if c := n.simSentText("Your order is ready."); c != 1 {
			t.Fatalf("the simulator received %d copies", c)
		}
		stream.waitFor(t, "scheduled.updated sent", func(ev sseEvent) bool {
			return ev.Type == domain.EventScheduledUpdated && strings.Contains(ev.Data, fmt.Sprintf(`"message_id":%d`, sent.MessageID))
		})

		// Cancel: a pending one (twice is fine), not a sent one.
		var c view.Scheduled
		n.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/scheduled/%d", s.ID), nil, annOpt).want(t, http.StatusOK, &c)
		if c.Status != "canceled" || c.ID != s.ID {
			t.Fatalf("canceled: %+v", c)
		}
		n.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/scheduled/%d", s.ID), nil, annOpt).want(t, http.StatusOK, &c)
		stream.waitFor(t, "scheduled.updated canceled", func(ev sseEvent) bool {
			return ev.Type == domain.EventScheduledUpdated && strings.Contains(ev.Data, `"status":"canceled"`)
		})
		if e := n.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/scheduled/%d", due.ID), nil, annOpt).wantError(t, http.StatusConflict, domain.CodeConflict); e.Remedy == "" {
			t.Fatal("no remedy")
		}
		n.call(t, http.MethodDelete, "/api/v1/scheduled/999999", nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if got := n.sendDueAt(t, want.Add(time.Minute)); got != 0 || n.simSentText("Good morning!") != 0 {
			t.Fatalf("a canceled message went out (%d)", got)
		}
	})
}

// TestScheduledValidation: malformed input is refused with a stable code
// and a remedy; a closed window is only a warning.
func TestScheduledValidation(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		n.customerWrites(t, "447700900602", "Fay", "hi")
		conv := n.conversationWith(t, key, "447700900602")
		in := func(d time.Duration) string { return time.Now().Add(d).Format(time.RFC3339) }
		text := map[string]string{"body": "hello"}
		for name, body := range map[string]any{
			"no time":        map[string]any{"type": "text", "text": text},
			"both times":     map[string]any{"type": "text", "text": text, "send_at": in(time.Hour), "send_at_local": "2030-01-01T09:00", "time_zone": "UTC"},
			"past":           map[string]any{"type": "text", "text": text, "send_at": in(-time.Minute)},
			"too soon":       map[string]any{"type": "text", "text": text, "send_at": in(3 * time.Second)},
			"too far":        map[string]any{"type": "text", "text": text, "send_at": in(31 * 24 * time.Hour)},
			"no offset":      map[string]any{"type": "text", "text": text, "send_at": "2030-01-01T09:00:00"},
			"bad zone":       map[string]any{"type": "text", "text": text, "send_at_local": "2030-01-01T09:00", "time_zone": "Atlantis/Capital"},
			"local, no zone": map[string]any{"type": "text", "text": text, "send_at_local": "2030-01-01T09:00"},
			"empty body":     map[string]any{"type": "text", "text": map[string]string{"body": " "}, "send_at": in(time.Hour)},
			"no text":        map[string]any{"type": "text", "send_at": in(time.Hour)},
			"image":          map[string]any{"type": "image", "image": map[string]string{"id": "1"}, "send_at": in(time.Hour)},
			"not JSON":       "{",
			"a list":         "[]",
		} {
			e := n.call(t, http.MethodPost, scheduledPath(conv.ID), body, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if e.Remedy == "" {
				t.Errorf("%s: no remedy: %+v", name, e)
			}
		}
		big := `{"type":"text","text":{"body":"` + strings.Repeat("x", 1<<20) + `"},"send_at":"` + in(time.Hour) + `"}`
		n.call(t, http.MethodPost, scheduledPath(conv.ID), big, key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
		n.call(t, http.MethodPost, scheduledPath(999999), map[string]any{"type": "text", "text": text, "send_at": in(time.Hour)}, key).
			wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, scheduledPath(999999), nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// 25 hours on, the window has closed by then: accepted, with a
		// warning that the rules will be checked again.
		s := n.scheduleText(t, key, conv.ID, "Still there?", map[string]any{"send_at": in(25 * time.Hour)})
		if s.CreatedBy != nil || !s.Policy.Allowed || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "window closes") {
			t.Fatalf("closing window: %+v", s)
		}
	})
}

// TestScheduledAgentsSee: with agents_see = own_and_unassigned, an agent
// neither schedules, lists nor cancels in a colleague's conversation.
func TestScheduledAgentsSee(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		_, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"own_and_unassigned"}`, key).want(t, http.StatusOK, nil)
		n.customerWrites(t, "447700900603", "Gil", "hello")
		conv := n.conversationWith(t, key, "447700900603")
		s := n.scheduleText(t, annOpt, conv.ID, "from Ann", map[string]any{"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		n.assign(t, bobOpt, conv.ID, map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, nil)

		body := map[string]any{"type": "text", "text": map[string]string{"body": "x"}, "send_at": time.Now().Add(time.Hour).Format(time.RFC3339)}
		n.call(t, http.MethodPost, scheduledPath(conv.ID), body, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, scheduledPath(conv.ID), nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/scheduled/%d", s.ID), nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		var list struct{ Data []view.Scheduled }
		n.call(t, http.MethodGet, scheduledPath(conv.ID), nil, bobOpt).want(t, http.StatusOK, &list)
		if len(list.Data) != 1 || list.Data[0].Status != "pending" {
			t.Fatalf("Bob's list: %+v", list.Data)
		}
		// At its time Ann no longer sees the conversation: it fails, and
		// nothing reaches the customer.
		if got := n.sendDueAt(t, time.Now().Add(time.Hour+time.Minute)); got != 1 {
			t.Fatalf("settled %d", got)
		}
		n.call(t, http.MethodGet, scheduledPath(conv.ID), nil, bobOpt).want(t, http.StatusOK, &list)
		if m := list.Data[0]; m.Status != "failed" || m.Error == nil || m.Error.Code != string(domain.CodeForbidden) || m.Error.Remedy == "" {
			t.Fatalf("after its time: %+v", m)
		}
		if c := n.simSentText("from Ann"); c != 0 {
			t.Fatalf("the simulator received %d", c)
		}
	})
}
