package outbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestRetryTemplateAsBuilt: a failed template send is retried with the
// template object GoHavi built for it (its values are not asked for
// again), the template's state is checked afresh, and a message is
// retried once.
func TestRetryTemplateAsBuilt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		seedTemplate(t, e, "order_update", "UTILITY", "APPROVED", time.Time{})
		seedTemplate(t, e, "restock", "UTILITY", "APPROVED", time.Time{})
		e.inbound(t, customer, "where is my order?")
		e.sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 2, Code: 131026}})
		var failed []domain.Message
		for _, name := range []string{"order_update", "restock"} {
			m, err := sendTemplate(e, customer, name, "Ada", "A-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
				t.Fatal(err)
			}
			failed = append(failed, e.message(t, m.ID))
		}
		if failed[0].Status != domain.StatusFailed {
			t.Fatalf("not failed: %+v", failed[0])
		}

		retry, err := e.svc.Submit(ctx, outbound.Retry(failed[0], customer, 0, nil))
		if err != nil || retry.RetryOf != failed[0].ID || retry.ID == failed[0].ID {
			t.Fatalf("retry: %+v %v", retry, err)
		}
		if err := e.svc.Deliver(ctx, retry.ID, false); err != nil {
			t.Fatal(err)
		}
		sent := e.sent()
		if len(sent) != 1 || sent[0].BizOpaqueCallbackData != fmt.Sprintf("gohavi:%d", retry.ID) {
			t.Fatalf("simulator got %+v", sent)
		}
		var req struct{ Template json.RawMessage }
		var want bytes.Buffer
		_ = json.Compact(&want, failed[0].Payload)
		if err := json.Unmarshal(sent[0].Request, &req); err != nil || !bytes.Equal(req.Template, want.Bytes()) {
			t.Fatalf("retried template %s, want the original %s", req.Template, want.Bytes())
		}
		if orig := e.message(t, failed[0].ID); orig.RetriedBy != retry.ID {
			t.Fatalf("original: %+v", orig)
		}
		count := func() int { return e.count(t, `SELECT COUNT(*) FROM messages`) }
		n := count()
		_, err = e.svc.Submit(ctx, outbound.Retry(failed[0], customer, 0, nil))
		wantCode(t, err, domain.CodeConflict)

		// Paused since it failed: the retry is refused and stores nothing.
		tpl, err := db.TemplateByName(ctx, e.ws.ID, wabaID, "restock", "en")
		if err != nil {
			t.Fatal(err)
		}
		tpl.Status, tpl.PausedUntil = "PAUSED", clock.Now().Add(3*time.Hour)
		if _, err := db.UpsertTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Submit(ctx, outbound.Retry(failed[1], customer, 0, nil))
		wantCode(t, err, domain.CodeTemplatePaused)
		if count() != n || e.message(t, failed[1].ID).RetriedBy != 0 {
			t.Fatal("a refused retry stored something")
		}
	})
}

func reactionsOn(t *testing.T, db *store.DB, ws, id int64) string {
	t.Helper()
	rs, err := db.ReactionsOfMessages(context.Background(), ws, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, r := range rs[id] {
		s += r.Emoji + " " + r.Reactor + ";"
	}
	return s
}

// TestOwnReactionSettles: our reaction shows on its target once Meta
// accepted it, not when it was submitted, and comes off again when Meta
// fails it afterwards.
func TestOwnReactionSettles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		in := e.inbound(t, customer, "thanks!")
		var target int64
		if err := db.R.QueryRowContext(ctx, `SELECT id FROM messages WHERE wamid = $1`, in).Scan(&target); err != nil {
			t.Fatal(err)
		}
		react := func(emoji string) domain.Message {
			t.Helper()
			m, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "reaction", SentBy: 0,
				Body: json.RawMessage(fmt.Sprintf(`{"message_id":%q,"emoji":%q}`, in, emoji))})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		m := react("👍")
		if got := reactionsOn(t, db, e.ws.ID, target); got != "" {
			t.Fatalf("shown before Meta accepted it: %q", got)
		}
		if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := reactionsOn(t, db, e.ws.ID, target); got != "👍 15550783881;" {
			t.Fatalf("after acceptance: %q", got)
		}
		e.awaitWebhook(t, m.WAMID+`","status":"sent"`)
		e.applyAll(t) // the "sent" webhook changes nothing more

		e.sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 1, Code: 131009, Mode: "async"}})
		clock.Advance(time.Second)
		heart := react("❤️")
		if err := e.svc.Deliver(ctx, heart.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := reactionsOn(t, db, e.ws.ID, target); got != "❤️ 15550783881;" {
			t.Fatalf("after the second acceptance: %q", got)
		}
		e.awaitWebhook(t, `"status":"failed"`)
		e.applyAll(t)
		if got := reactionsOn(t, db, e.ws.ID, target); got != "" {
			t.Fatalf("after Meta failed it: %q", got)
		}
		if e.message(t, heart.ID).Status != domain.StatusFailed {
			t.Fatal("the reaction message did not fail")
		}
	})
}

// TestValidateInteractiveAndReaction: what WhatsApp would refuse is
// refused before anything is stored, naming the field, with a remedy.
func TestValidateInteractiveAndReaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		long := func(n int) string { return string(bytes.Repeat([]byte("x"), n)) }
		btn := func(id, title string) string {
			return fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, id, title)
		}
		for _, c := range []struct{ typ, body, field string }{
			{"interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[]}}`, "interactive.action.buttons"},
			{"interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[` + btn(long(257), "t") + `]}}`, "interactive.action.buttons[0].reply.id"},
			{"interactive", `{"type":"button","body":{"text":"` + long(1025) + `"},"action":{"buttons":[` + btn("a", "t") + `]}}`, "interactive.body.text"},
			{"interactive", `{"type":"button","body":{"text":"b"},"footer":{"text":"` + long(61) + `"},"action":{"buttons":[` + btn("a", "t") + `]}}`, "interactive.footer.text"},
			{"interactive", `{"type":"button","header":{"type":"image","image":{}},"body":{"text":"b"},"action":{"buttons":[` + btn("a", "t") + `]}}`, "interactive.header.image"},
			{"interactive", `{"type":"button","body":{"text":"b"}}`, "interactive.action"},
			{"interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"` + long(21) + `","sections":[{"rows":[{"id":"1","title":"t"}]}]}}`, "interactive.action.button"},
			{"interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"Go","sections":[{"rows":[{"id":"1","title":"t"}]},{"rows":[{"id":"2","title":"t"}]}]}}`, "interactive.action.sections[0].title"},
			{"interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"Go","sections":[{"title":"s","rows":[{"id":"1","title":"t","description":"` + long(73) + `"}]}]}}`, "interactive.action.sections[0].rows[0].description"},
			{"interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"Go","sections":[{"title":"s","rows":[{"id":"1","title":"t"},{"id":"1","title":"u"}]}]}}`, "interactive.action.sections[0].rows[1].id"},
			{"interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"` + long(21) + `","url":"https://x"}}}`, "interactive.action.parameters.display_text"},
			{"interactive", `{"type":"cta_url","body":{"text":"b"},"action":{"name":"link","parameters":{"display_text":"a","url":"https://x"}}}`, "interactive.action.name"},
			{"interactive", `{"type":7}`, "interactive"},
			{"reaction", `{"emoji":"👍"}`, "reaction.message_id"},
			{"reaction", `{"message_id":"wamid.x"}`, "reaction.emoji"},
			{"reaction", `{"message_id":"wamid.x","emoji":" 👍"}`, "reaction.emoji"},
		} {
			_, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: c.typ, Body: json.RawMessage(c.body)})
			de := wantCode(t, err, domain.CodeInvalidArgument)
			if len(de.Message) < len(c.field)+1 || de.Message[:len(c.field)+1] != c.field+":" {
				t.Errorf("%s: %q, want it to name %s", c.body, de.Message, c.field)
			}
		}
		// Kinds GoHavi does not check go through as they are.
		if _, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "interactive",
			Body: json.RawMessage(`{"type":"flow","body":{"text":"Book"},"action":{"name":"flow","parameters":{}}}`)}); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'outbound'`); n != 1 {
			t.Fatalf("%d outbound messages stored, want only the flow", n)
		}
	})
}
