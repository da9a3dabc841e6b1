package outbound_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestNormalizeRecipient(t *testing.T) {
	ok := []struct{ in, want string }{
		{"+447700900123", "447700900123"},
		{"+44 7700 900123", "447700900123"},
		{" +44-7700-900-123 ", "447700900123"},
		{"+1 (415) 555.0100", "14155550100"},
		{"447700900123", "447700900123"},
		{"4477 0090 0123", "447700900123"},
		{"1234567", "1234567"},
		{"123456789012345", "123456789012345"},
	}
	for _, c := range ok {
		got, err := outbound.NormalizeRecipient(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeRecipient(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []string{"", "   ", "+", "+44", "+44 abc", "hello", "12345", "123456", "1234567890123456", "44770090012x", "wa:447700900123", "+4477009001234567890"}
	for _, in := range bad {
		got, err := outbound.NormalizeRecipient(in)
		if err == nil {
			t.Errorf("NormalizeRecipient(%q) = %q, want an error", in, got)
			continue
		}
		if domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Errorf("NormalizeRecipient(%q): code %s", in, domain.ErrorCode(err))
		}
	}
}

// nothingStored asserts a refused request left no trace: no outbound
// message and no job.
func (e *env) nothingStored(t *testing.T) {
	t.Helper()
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'outbound'`); n != 0 {
		t.Fatalf("%d outbound messages stored", n)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs stored", n)
	}
}

func TestSubmitValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		cases := map[string]outbound.Request{
			"empty text":      {Type: "text", To: customer, Text: "  \n"},
			"text too long":   {Type: "text", To: customer, Text: strings.Repeat("é", 4097)},
			"missing to":      {Type: "text", Text: "hi"},
			"bad to":          {Type: "text", To: "not a number", Text: "hi"},
			"short e164":      {Type: "text", To: "+44", Text: "hi"},
			"missing type":    {To: customer, Text: "hi"},
			"unknown type":    {Type: "fax", To: customer, Text: "hi"},
			"image no body":   {Type: "image", To: customer},
			"image array":     {Type: "image", To: customer, Body: json.RawMessage(`[{"link":"https://x/y.png"}]`)},
			"image string":    {Type: "image", To: customer, Body: json.RawMessage(`"https://x/y.png"`)},
			"image bad json":  {Type: "image", To: customer, Body: json.RawMessage(`{"link":`)},
			"template number": {Type: "template", To: customer, Body: json.RawMessage(`42`)},
		}
		for name, req := range cases {
			req.WorkspaceID = e.ws.ID
			_, err := e.svc.Submit(context.Background(), req)
			if domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Errorf("%s: want invalid_argument, got %v", name, err)
			}
		}
		// Exactly 4096 characters (not bytes) is allowed.
		if _, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, Type: "text", To: customer, Text: strings.Repeat("é", 4096)}); err != nil {
			t.Fatalf("4096 characters refused: %v", err)
		}
	})
}

func TestSubmitWindowClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		// Never wrote: refused, and nothing (not even a contact) is stored.
		_, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: "+" + customer, Type: "text", Text: "hello"})
		de := wantCode(t, err, domain.CodeWindowClosed)
		if !strings.Contains(de.Message, "never written") || !strings.Contains(de.Remedy, "template") {
			t.Fatalf("refusal: %+v", de)
		}
		e.nothingStored(t)
		if n := e.count(t, `SELECT COUNT(*) FROM contacts`); n != 0 {
			t.Fatalf("refused send created %d contacts", n)
		}

		// Wrote 24 hours and a second ago: the window has closed.
		e.inbound(t, customer, "hi")
		clock.Advance(24*time.Hour + time.Second)
		_, err = e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "text", Text: "hello"})
		de = wantCode(t, err, domain.CodeWindowClosed)
		if !strings.Contains(de.Message, "24 hours") {
			t.Fatalf("refusal: %+v", de)
		}
		e.nothingStored(t)
		if len(e.sent()) != 0 {
			t.Fatalf("refused message reached the Graph API")
		}

		// A template needs no window, but it must be one GoHavi knows to be
		// approved; templates are not stored yet, so it is refused with
		// its own code rather than sent unchecked.
		_, err = e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "template",
			Body: json.RawMessage(`{"name":"order_update","language":{"code":"en"}}`)})
		wantCode(t, err, domain.CodeTemplateNotOK)
		e.nothingStored(t)
	})
}

func TestSubmitWithoutNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{noNumber: true})
		_, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "text", Text: "hi"})
		de := wantCode(t, err, domain.CodeInvalidArgument)
		if !strings.Contains(de.Message, "no connected WhatsApp number") || !strings.Contains(de.Remedy, "Connect a WhatsApp number") {
			t.Fatalf("error: %+v", de)
		}
		_, err = e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, NumberID: 99, To: customer, Type: "text", Text: "hi"})
		wantCode(t, err, domain.CodeNotFound)
		e.nothingStored(t)
	})
}

func TestSubmitQueuesMessageAndJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		m, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, NumberID: e.num.ID, To: "+44 7700 900123", Type: "text", Text: "Yes, in blue.", ReplyTo: "wamid.q", SentBy: 7})
		if err != nil {
			t.Fatal(err)
		}
		got := e.message(t, m.ID)
		if got.Status != domain.StatusQueued || got.Direction != domain.Outbound || got.Text != "Yes, in blue." || got.WAMID != "" || got.ReplyTo != "wamid.q" || got.SentBy != 7 || got.NumberID != e.num.ID {
			t.Fatalf("stored: %+v", got)
		}
		conv, err := db.ConversationByID(context.Background(), e.ws.ID, got.ConversationID)
		if err != nil || conv.Contact.WaID != customer || conv.LastMessageText != "Yes, in blue." {
			t.Fatalf("conversation: %+v, %v", conv, err)
		}
		if args := jobArgs[outbound.SendArgs](t, e, "send_message"); len(args) != 1 || args[0].MessageID != m.ID {
			t.Fatalf("send jobs: %+v, want one for message %d", args, m.ID)
		}
		if len(e.sent()) != 0 {
			t.Fatal("Submit called the Graph API; only the worker may")
		}
		for _, want := range []string{domain.EventMessageCreated, domain.EventConversationUpdated} {
			select {
			case ev := <-sub.C:
				if ev.Type != want {
					t.Fatalf("event %s, want %s", ev.Type, want)
				}
			case <-time.After(waitLimit):
				t.Fatalf("no %s event", want)
			}
		}
	})
}

// failingJobs inserts nothing and fails, as a job insert can fail inside
// the transaction (constraint, lost connection).
type failingJobs struct{ outbound.Enqueuer }

func (failingJobs) InsertTx(context.Context, *sql.Tx, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return nil, errors.New("job insert failed")
}

// The message and its job share one commit: without the job there is no
// message either, so a queued message can never be stranded without a sender.
func TestSubmitMessageAndJobCommitTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		e.svc.Jobs = failingJobs{e.jobs}
		_, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "text", Text: "lost?"})
		if err == nil || !strings.Contains(err.Error(), "job insert failed") {
			t.Fatalf("Submit: %v", err)
		}
		e.nothingStored(t)
		convs, _ := db.ListConversations(context.Background(), e.ws.ID, 10)
		if len(convs) != 1 || convs[0].LastMessageText != "hi" {
			t.Fatalf("conversation changed by a rolled-back send: %+v", convs)
		}
	})
}
