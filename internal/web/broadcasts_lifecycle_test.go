package web_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// TestBroadcastLifecycle: launch snapshots the audience and runs; a second
// launch conflicts; pause and resume say why; the sender sends what the
// rate allows; cancel skips the rest with the reason "canceled"; a final
// broadcast cannot be steered or edited.
func TestBroadcastLifecycle(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)

		// A draft can be deleted; a launched broadcast is history.
		extra := b.create(t, b.saleInput())
		if r := b.call(t, http.MethodDelete, bcPath(extra.ID, ""), nil, b.key); r.Status != http.StatusNoContent {
			t.Fatalf("delete draft: %d %s", r.Status, r.Body)
		}
		b.call(t, http.MethodGet, bcPath(extra.ID, ""), nil, b.key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		b.call(t, http.MethodDelete, bcPath(extra.ID, ""), nil, b.key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		run := b.steer(t, d.ID, "launch")
		if run.Status != "running" || run.LaunchedAt == nil || run.FinishedAt != nil || run.StatusReason != nil {
			t.Fatalf("launched %+v", run)
		}
		if c := run.Counts; c.Total != 6 || c.Pending != 3 || c.Skipped != 3 || c.Sent != 0 || c.Failed != 0 {
			t.Fatalf("counts at launch %+v", c)
		}
		e := b.call(t, http.MethodPost, bcPath(d.ID, "/launch"), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		if !strings.Contains(e.Message, "only a draft can be launched") || e.Remedy == "" {
			t.Errorf("second launch %+v", e)
		}
		b.call(t, http.MethodPost, bcPath(d.ID, "/resume"), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		if e := b.call(t, http.MethodDelete, bcPath(d.ID, ""), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict); !strings.Contains(e.Remedy+e.Message, "cancel") {
			t.Errorf("deleting a launched broadcast: %+v", e)
		}
		// Skipped at launch, each with its reason.
		skipped := b.recipients(t, d.ID, "skipped")
		if len(skipped) != 3 || skipped[0].Name != "Dee" || skipped[0].Reason != "not_opted_in" || skipped[2].Name != "Fay" ||
			skipped[2].Reason != "opted_out" || skipped[0].Outcome != "skipped" || skipped[0].Detail == "" {
			t.Fatalf("skipped at launch %+v", skipped)
		}

		paused := b.steer(t, d.ID, "pause")
		if paused.Status != "paused" || paused.StatusReason == nil || paused.StatusReason.Code != "paused" ||
			!strings.HasPrefix(paused.StatusReason.Message, "Paused by API key ") || paused.StatusReason.Remedy == "" {
			t.Fatalf("paused %+v (reason %+v)", paused, paused.StatusReason)
		}
		b.pass(time.Second) // paused: nothing goes
		if got := b.get(t, d.ID); got.Status != "paused" || got.Counts.Pending != 3 || b.simSent() != 0 {
			t.Fatalf("a paused broadcast sent: %s %+v, %d at Meta", got.Status, got.Counts, b.simSent())
		}
		b.call(t, http.MethodPost, bcPath(d.ID, "/pause"), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		if r := b.steer(t, d.ID, "resume"); r.Status != "running" || r.StatusReason != nil {
			t.Fatalf("resumed %+v", r)
		}

		// The number's bucket earns 80 tokens a second: 26 ms buys two sends.
		b.holdSender(t)
		b.pass(26 * time.Millisecond)
		got := b.get(t, d.ID)
		if got.Status != "running" || got.Counts.Sent != 2 || got.Counts.Pending != 1 || got.Counts.Failed != 0 || b.simSent() != 2 {
			t.Fatalf("after two tokens: %s %+v, %d at Meta", got.Status, got.Counts, b.simSent())
		}
		sent := b.recipients(t, d.ID, "sent")
		if len(sent) != 2 || sent[0].Name != "Ada Lovelace" || sent[1].Name != "Bob" {
			t.Fatalf("sent %+v", sent)
		}
		for _, r := range sent {
			if r.State != "sent" || (r.Outcome != "sent" && r.Outcome != "delivered") || r.MessageID == 0 || r.ContactID == 0 || r.UpdatedAt == nil {
				t.Fatalf("sent recipient %+v", r)
			}
		}
		// (recipients?state=pending misses them: TestBroadcastPendingGroup.)
		if all := b.recipients(t, d.ID, "all"); len(all) != 6 || all[2].Name != "Cy" || all[2].Outcome != "pending" || all[2].State != "pending" || all[2].MessageID != 0 {
			t.Fatalf("all after two sends %+v", all)
		}

		c := b.steer(t, d.ID, "cancel")
		if c.Status != "canceled" || c.FinishedAt == nil || c.StatusReason == nil || !strings.HasPrefix(c.StatusReason.Message, "Canceled by API key ") {
			t.Fatalf("canceled %+v (reason %+v)", c, c.StatusReason)
		}
		if k := c.Counts; k.Pending != 0 || k.Sent != 2 || k.Skipped != 4 || k.Total != 6 {
			t.Fatalf("counts after cancel %+v", k)
		}
		skipped = b.recipients(t, d.ID, "skipped")
		var canceled []recipientJSON
		for _, r := range skipped {
			if r.Reason == "canceled" {
				canceled = append(canceled, r)
			}
		}
		if len(skipped) != 4 || len(canceled) != 1 || canceled[0].Name != "Cy" || canceled[0].State != "skipped" || canceled[0].Detail == "" {
			t.Fatalf("skipped after cancel %+v", skipped)
		}
		b.pass(time.Second) // canceled: nothing more goes
		if b.simSent() != 2 || len(b.recipients(t, d.ID, "sent")) != 2 {
			t.Fatalf("a canceled broadcast sent: %d at Meta", b.simSent())
		}
		b.call(t, http.MethodGet, bcPath(d.ID, "/recipients?state=bogus"), nil, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if all := b.recipients(t, d.ID, ""); len(all) != 6 {
			t.Fatalf("all recipients: %d", len(all))
		}
		for _, a := range []string{"launch", "pause", "resume", "cancel"} {
			b.call(t, http.MethodPost, bcPath(d.ID, "/"+a), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		}
		e = b.call(t, http.MethodPut, bcPath(d.ID, ""), b.saleInput(), b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		if e.Remedy == "" {
			t.Errorf("edit of a launched broadcast %+v", e)
		}
		if got := b.get(t, d.ID); got.Status != "canceled" || got.Name != "Spring sale" {
			t.Fatalf("after refused steering %+v", got)
		}
	})
}

// TestBroadcastPendingGroup: recipients?state=pending lists those not
// sent yet.
func TestBroadcastPendingGroup(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		if c := b.steer(t, d.ID, "launch").Counts; c.Pending != 3 {
			t.Fatalf("counts %+v", c)
		}
		if p := b.recipients(t, d.ID, "pending"); len(p) != 3 || p[0].Outcome != "pending" {
			t.Fatalf("pending %+v, want the 3 counts.pending", p)
		}
	})
}

// TestBroadcastRunsToCompletion: with the rate free, one pass sends every
// eligible recipient once and completes the broadcast; the list paginates.
func TestBroadcastRunsToCompletion(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		b.steer(t, d.ID, "launch")
		b.pass(time.Second)
		got := b.get(t, d.ID)
		if got.Status != "completed" || got.FinishedAt == nil || got.Counts.Sent != 3 || got.Counts.Pending != 0 || got.Counts.Skipped != 3 {
			t.Fatalf("after a pass: %s %+v", got.Status, got.Counts)
		}
		if b.simSent() != 3 {
			t.Fatalf("%d messages at Meta, want 3", b.simSent())
		}
		b.pass(time.Minute)
		if b.simSent() != 3 {
			t.Fatalf("a completed broadcast sent again: %d", b.simSent())
		}
		var page struct {
			Data      []recipientJSON `json:"data"`
			NextAfter string          `json:"next_after"`
		}
		b.call(t, http.MethodGet, bcPath(d.ID, "/recipients?limit=4"), nil, b.key).want(t, http.StatusOK, &page)
		if len(page.Data) != 4 || page.NextAfter == "" {
			t.Fatalf("first page %+v", page)
		}
		b.call(t, http.MethodGet, bcPath(d.ID, "/recipients?limit=4&after="+page.NextAfter), nil, b.key).want(t, http.StatusOK, &page)
		if len(page.Data) != 2 || page.NextAfter != "" || page.Data[1].Name != "Fay" {
			t.Fatalf("second page %+v", page)
		}
	})
}

// TestBroadcastScheduled: a wall time in the broadcast's zone; launching
// schedules it, nothing goes before the time, and it starts once the
// clock passes it. Pausing a scheduled broadcast and resuming it puts it
// back on its schedule.
func TestBroadcastScheduled(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		b.saleTemplate(t, "spring_sale")
		b.audience(t)
		day := b.clock.Now().Format("2006-01-02") // 1 July: Lisbon is UTC+1
		in := b.saleInput()
		in["schedule_at"], in["timezone"] = day+"T10:30", "Europe/Lisbon"
		d := b.create(t, in)
		if d.ScheduleAt == nil || *d.ScheduleAt != day+"T09:30:00.000Z" || d.TimeZone != "Europe/Lisbon" {
			t.Fatalf("scheduled draft %+v (schedule_at %v)", d, d.ScheduleAt)
		}
		if p := b.plan(t, d.ID); p.StartsAt == nil || !strings.HasPrefix(*p.StartsAt, day+"T09:30:00") || p.Eligible != 3 {
			t.Fatalf("plan of a scheduled broadcast %+v", p)
		}
		s := b.steer(t, d.ID, "launch")
		if s.Status != "scheduled" || s.Counts.Total != 0 {
			t.Fatalf("launched %+v", s)
		}
		b.call(t, http.MethodPost, bcPath(d.ID, "/launch"), nil, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		b.call(t, http.MethodPut, bcPath(d.ID, ""), in, b.key).wantError(t, http.StatusConflict, domain.CodeConflict)

		b.pass(0)
		b.pass(89 * time.Minute) // 09:29 UTC
		if got := b.get(t, d.ID); got.Status != "scheduled" || got.Counts.Total != 0 || b.simSent() != 0 {
			t.Fatalf("before its time: %s %+v, %d at Meta", got.Status, got.Counts, b.simSent())
		}
		if p := b.steer(t, d.ID, "pause"); p.Status != "paused" {
			t.Fatalf("paused %+v", p)
		}
		if r := b.steer(t, d.ID, "resume"); r.Status != "scheduled" {
			t.Fatalf("resumed before its time: %+v", r)
		}

		b.pass(2 * time.Minute) // 09:31 UTC
		got := b.get(t, d.ID)
		if (got.Status != "running" && got.Status != "completed") || got.Counts.Sent != 3 || got.Counts.Skipped != 3 || b.simSent() != 3 {
			t.Fatalf("after its time: %s %+v, %d at Meta", got.Status, got.Counts, b.simSent())
		}
		if sent := b.recipients(t, d.ID, "sent"); len(sent) != 3 {
			t.Fatalf("sent %+v", sent)
		}
	})
}

// TestBroadcastRecipientsCSV: the results as a download, one line per
// recipient, filtered by group; a bad group is a JSON error.
func TestBroadcastRecipientsCSV(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		b.steer(t, d.ID, "launch")
		b.pass(time.Second)

		read := func(state string, wantRows int) [][]string {
			t.Helper()
			path := bcPath(d.ID, "/recipients.csv")
			if state != "" {
				path += "?state=" + state
			}
			r := b.call(t, http.MethodGet, path, nil, b.key)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: status %d, type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			group := state
			if group == "" {
				group = "all"
			}
			cd := r.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, `attachment; filename="broadcast-`+itoa(d.ID)+"-"+group+"-") || !strings.HasSuffix(cd, `.csv"`) {
				t.Fatalf("Content-Disposition %q", cd)
			}
			lines := strings.Split(strings.TrimSuffix(string(r.Body), "\n"), "\n")
			if lines[0] != "phone,name,outcome,reason,detail,error_code,error_meaning,message_id,updated_at" {
				t.Fatalf("header %q", lines[0])
			}
			rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != wantRows+1 || len(lines) != wantRows+1 {
				t.Fatalf("%d rows (%d lines), want %d: %q", len(rows)-1, len(lines)-1, wantRows, rows)
			}
			return rows[1:]
		}
		rows := read("", 6)
		outcomes := map[string]int{}
		for _, row := range rows {
			phone, outcome, reason, msgID, updated := row[0], row[2], row[3], row[7], row[8]
			switch outcome {
			case "sent", "delivered":
				outcomes["sent"]++
				if reason != "" || msgID == "0" || msgID == "" {
					t.Errorf("sent row %q", row)
				}
			case "skipped":
				outcomes[reason]++
				if msgID != "0" || row[4] == "" {
					t.Errorf("skipped row %q", row)
				}
			default:
				t.Errorf("row %q", row)
			}
			if !strings.HasPrefix(phone, "+44791112341") || row[5] != "" || row[6] != "" {
				t.Errorf("row %q", row)
			}
			if _, err := time.Parse(time.RFC3339, updated); err != nil {
				t.Errorf("updated_at %q: %v", updated, err)
			}
		}
		if outcomes["sent"] != 3 || outcomes["not_opted_in"] != 2 || outcomes["opted_out"] != 1 {
			t.Fatalf("outcomes %v", outcomes)
		}
		if rows[0][0] != "+447911123411" || rows[0][1] != "Ada Lovelace" {
			t.Fatalf("first row %q", rows[0])
		}
		if skipped := read("skipped", 3); skipped[0][1] != "Dee" || skipped[2][3] != "opted_out" {
			t.Fatalf("skipped rows %q", skipped)
		}
		read("failed", 0)
		b.call(t, http.MethodGet, bcPath(d.ID, "/recipients.csv?state=bogus"), nil, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	})
}

// TestBroadcastFollowUp: a follow-up is a draft to a result group of its
// parent, with the parent's number and template unless told otherwise.
func TestBroadcastFollowUp(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		parent := b.ready(t)
		b.steer(t, parent.ID, "launch")
		b.pass(time.Second)
		sent := b.get(t, parent.ID).Counts.Sent
		if sent != 3 {
			t.Fatalf("parent sent %d", sent)
		}

		var f broadcastJSON
		b.call(t, http.MethodPost, bcPath(parent.ID, "/follow-up"), map[string]string{"group": "not_replied"}, b.key).want(t, http.StatusCreated, &f)
		if f.ID == 0 || f.ID == parent.ID || f.Status != "draft" || f.ParentID != parent.ID || f.FollowUp != "not_replied" {
			t.Fatalf("follow-up %+v", f)
		}
		if f.Audience.FollowUp == nil || f.Audience.FollowUp.BroadcastID != parent.ID || f.Audience.FollowUp.Group != "not_replied" || len(f.Audience.Tags) != 0 {
			t.Fatalf("follow-up audience %+v", f.Audience)
		}
		if f.NumberID != parent.NumberID || f.Template.Name != "spring_sale" || len(f.Template.Parameters) != 2 || !strings.Contains(f.Name, "Spring sale") {
			t.Fatalf("follow-up inherits %+v", f)
		}
		if p := b.plan(t, f.ID); p.Eligible != sent || p.Audience != sent || len(p.Skipped) != 0 {
			t.Fatalf("follow-up plan %+v, want %d eligible", p, sent)
		}
		// Its own name and template.
		b.saleTemplate(t, "last_call")
		var g broadcastJSON
		b.call(t, http.MethodPost, bcPath(parent.ID, "/follow-up"), map[string]any{"group": "skipped", "name": "Second chance",
			"template": map[string]any{"name": "last_call", "language": "en", "parameters": []string{"{{name}}", "Lisbon"}}}, b.key).want(t, http.StatusCreated, &g)
		if g.Name != "Second chance" || g.Template.Name != "last_call" || g.Audience.FollowUp == nil || g.Audience.FollowUp.Group != "skipped" {
			t.Fatalf("follow-up with its own template %+v", g)
		}
		// The skipped were not opted in, or opted out: they still are.
		if p := b.plan(t, g.ID); p.Audience != 3 || p.Eligible != 0 || p.Skipped["not_opted_in"] != 2 || p.Skipped["opted_out"] != 1 {
			t.Fatalf("plan of a follow-up to the skipped %+v", p)
		}
		// A follow-up's follow-up is allowed; a bad group is not.
		b.call(t, http.MethodPost, bcPath(f.ID, "/follow-up"), map[string]string{"group": "failed"}, b.key).want(t, http.StatusCreated, nil)
		for _, body := range []map[string]string{{"group": "bogus"}, {}} {
			e := b.call(t, http.MethodPost, bcPath(parent.ID, "/follow-up"), body, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if !strings.Contains(e.Message, "result group") || e.Remedy == "" {
				t.Errorf("bad group %q: %+v", body["group"], e)
			}
		}
		b.call(t, http.MethodPost, bcPath(parent.ID, "/follow-up"), "[1]", b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		var list struct{ Data []broadcastJSON }
		b.call(t, http.MethodGet, "/api/v1/broadcasts", nil, b.key).want(t, http.StatusOK, &list)
		if len(list.Data) != 4 || list.Data[0].ParentID != f.ID || list.Data[3].ID != parent.ID || list.Data[3].Counts.Sent != 3 {
			t.Fatalf("list, newest first %+v", list.Data)
		}
	})
}

// TestBroadcastUpdateDraft: a draft is edited whole and checked like a
// new one; anything launched is a conflict.
func TestBroadcastUpdateDraft(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		in := bcEdit(b.saleInput(), func(m, tpl, aud map[string]any) {
			m["name"], m["failure_threshold"] = "Spring sale, take two", 0.5
			tpl["parameters"] = []string{"{{name|friend}}", "Faro"}
			aud["tags"], aud["consent"] = []string{"newsletter"}, "opted_in"
		})
		var u broadcastJSON
		b.call(t, http.MethodPut, bcPath(d.ID, ""), in, b.key).want(t, http.StatusOK, &u)
		if u.ID != d.ID || u.Status != "draft" || u.Name != "Spring sale, take two" || u.FailureThreshold != 0.5 ||
			u.Template.Parameters[1] != "Faro" || len(u.Audience.Tags) != 1 || u.Audience.Tags[0] != "newsletter" || u.Audience.Consent != "opted_in" {
			t.Fatalf("updated %+v", u)
		}
		if got := b.get(t, d.ID); got.Name != u.Name || got.Template.Parameters[0] != "{{name|friend}}" {
			t.Fatalf("read back %+v", got)
		}
		if p := b.plan(t, d.ID); p.Audience != 1 || p.Eligible != 1 {
			t.Fatalf("plan after the edit %+v", p)
		}
		bad := bcEdit(in, func(_, tpl, _ map[string]any) { tpl["parameters"] = []string{"x"} })
		b.call(t, http.MethodPut, bcPath(d.ID, ""), bad, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if got := b.get(t, d.ID); got.Template.Parameters[1] != "Faro" {
			t.Fatalf("a refused edit changed it: %+v", got.Template)
		}

		b.steer(t, d.ID, "launch")
		e := b.call(t, http.MethodPut, bcPath(d.ID, ""), b.saleInput(), b.key).wantError(t, http.StatusConflict, domain.CodeConflict)
		if !strings.Contains(e.Remedy, "Only drafts") {
			t.Errorf("edit of a running broadcast %+v", e)
		}
		if got := b.get(t, d.ID); got.Name != "Spring sale, take two" || got.Status != "running" {
			t.Fatalf("after a refused edit %+v", got)
		}
	})
}
