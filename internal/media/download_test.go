package media_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/media"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

const (
	phoneID  = "106540352242922"
	token    = "EAAG-media-test-token"
	customer = "447700900123"
)

type env struct {
	db    *store.DB
	sim   *meta.Server
	hub   *realtime.Memory
	svc   *media.Service
	ws    domain.Workspace
	num   domain.Number
	msgID int64
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock) *env {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{db: db, hub: realtime.NewMemory()}
	t.Cleanup(func() { _ = e.hub.Close() })
	e.sim = meta.New(meta.Config{Now: clock.Now, Logger: quiet})
	t.Cleanup(e.sim.Close)
	srv := httptest.NewServer(e.sim.Handler())
	t.Cleanup(srv.Close)
	e.sim.AddNumber(meta.NumberSpec{PhoneNumberID: phoneID, DisplayPhoneNumber: "15550783881", AccessToken: token})
	box, err := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := box.Seal([]byte(token), []byte(phoneID))
	e.ws, _ = db.CreateWorkspace(ctx, "default", "Default")
	if e.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: "w", PhoneNumberID: phoneID, AccessTokenEnc: sealed}); err != nil {
		t.Fatal(err)
	}
	e.svc = &media.Service{DB: db, Graph: whatsapp.NewClient(srv.URL, "v24.0", srv.Client()), Box: box, Hub: e.hub, Clock: clock, Log: quiet}
	return e
}

// pending records an inbound image message whose file Meta holds as
// metaID, and returns its pending media row.
func (e *env) pending(t *testing.T, metaID string) domain.Media {
	t.Helper()
	ctx := context.Background()
	var m domain.Media
	err := e.db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.UpsertContact(ctx, e.ws.ID, customer, "+"+customer, "Ada")
		if err != nil {
			return err
		}
		conv, err := tx.EnsureConversation(ctx, e.ws.ID, e.num.ID, c.ID)
		if err != nil {
			return err
		}
		msg, _, err := tx.InsertMessage(ctx, domain.Message{WorkspaceID: e.ws.ID, ConversationID: conv, NumberID: e.num.ID, ContactID: c.ID,
			Direction: domain.Inbound, Type: "image", WAMID: "wamid." + metaID, Status: domain.StatusReceived})
		if err != nil {
			return err
		}
		e.msgID = msg.ID
		m, err = tx.InsertMedia(ctx, domain.Media{WorkspaceID: e.ws.ID, MessageID: msg.ID, NumberID: e.num.ID, Direction: domain.Inbound,
			MetaMediaID: metaID, MimeType: "image/png", Status: domain.MediaPending})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) row(t *testing.T, id int64) domain.Media {
	t.Helper()
	m, err := e.db.MediaForJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var png = []byte("\x89PNG\r\n\x1a\n a customer's photo")

func TestDownloadStoresTheBytesAndTellsAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		if _, err := e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: phoneID, From: customer, Type: "image", Data: png,
			Content: json.RawMessage(`{"id":"777000000000001","mime_type":"image/png"}`)}); err != nil {
			t.Fatal(err)
		}
		m := e.pending(t, "777000000000001")
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()

		if err := e.svc.Download(ctx, m.ID, false); err != nil {
			t.Fatal(err)
		}
		got, data, err := db.MediaData(ctx, e.ws.ID, m.ID)
		if err != nil || got.Status != domain.MediaReady || !bytes.Equal(data, png) || got.MimeType != "image/png" || got.Size != int64(len(png)) {
			t.Fatalf("stored: %+v %q %v", got, data, err)
		}
		select {
		case ev := <-sub.C:
			var v view.Message
			_ = json.Unmarshal(ev.Data, &v)
			if ev.Type != domain.EventMessageUpdated || v.ID != e.msgID || v.Media == nil || v.Media.Status != "ready" || v.Media.URL != view.MediaURL(m.ID) {
				t.Errorf("event %s %s", ev.Type, ev.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message.updated event")
		}

		// A duplicate job finds nothing to do.
		if err := e.svc.Download(ctx, m.ID, false); err != nil || e.row(t, m.ID).Attempts != 1 {
			t.Errorf("second download: %v, %+v", err, e.row(t, m.ID))
		}
	})
}

func TestDownloadGivesUpWhenMetaRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		m := e.pending(t, "123456789012345") // Meta has no such file
		if err := e.svc.Download(ctx, m.ID, false); err != nil {
			t.Fatalf("a refusal is an outcome, not a retry: %v", err)
		}
		if got := e.row(t, m.ID); got.Status != domain.MediaFailed || !strings.Contains(got.Error, "7 days") {
			t.Errorf("refused: %+v", got)
		}

		// A customer's file expires at Meta after 7 days (§2.6).
		if _, err := e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: phoneID, From: customer, Type: "image",
			Content: json.RawMessage(`{"id":"777000000000002"}`)}); err != nil {
			t.Fatal(err)
		}
		old := e.pending(t, "777000000000002")
		clock.Advance(7 * 24 * time.Hour)
		if err := e.svc.Download(ctx, old.ID, false); err != nil || e.row(t, old.ID).Status != domain.MediaFailed {
			t.Errorf("expired at Meta: %v %+v", err, e.row(t, old.ID))
		}
	})
}

func TestDownloadRetriesUntilTheLastAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close() // nothing listens: the call never leaves
		e.svc.Graph = whatsapp.NewClient(down.URL, "v24.0", nil)
		m := e.pending(t, "777000000000003")
		if err := e.svc.Download(ctx, m.ID, false); err == nil {
			t.Fatal("an unreachable Meta was not retried")
		}
		if got := e.row(t, m.ID); got.Status != domain.MediaPending || got.Attempts != 1 || !strings.Contains(got.Error, "Could not reach WhatsApp") {
			t.Errorf("after a transient failure: %+v", got)
		}
		if err := e.svc.Download(ctx, m.ID, true); err != nil {
			t.Fatalf("last attempt: %v", err)
		}
		if got := e.row(t, m.ID); got.Status != domain.MediaFailed || got.Attempts != 2 {
			t.Errorf("after the last attempt: %+v", got)
		}
	})
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{5 * time.Second, 15 * time.Second, 45 * time.Second, 135 * time.Second, 405 * time.Second, 1215 * time.Second, 30 * time.Minute, 30 * time.Minute}
	for i, w := range want {
		if got := media.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if media.Backoff(1000) != 30*time.Minute {
		t.Error("Backoff overflows")
	}
}
