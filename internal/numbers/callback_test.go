package numbers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestCallbackOverride: a number's own webhook URL is set only after
// Meta's handshake with it succeeds; its messages then go there; clearing
// it returns them to the app's webhook. Each change is in the history.
func TestCallbackOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newOnboardEnv(t, db, clock)
		ctx := context.Background()
		got := make(chan string, 16)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				if r.URL.Query().Get("hub.verify_token") != "right" {
					http.Error(w, "bad token", http.StatusForbidden)
					return
				}
				_, _ = io.WriteString(w, r.URL.Query().Get("hub.challenge"))
				return
			}
			b, _ := io.ReadAll(r.Body)
			got <- string(b)
		}))
		t.Cleanup(hook.Close)
		popup, _ := e.sim.Signup(meta.SignupSpec{VerifiedName: "Lucky Shrub"})
		res, err := e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: popup.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID})
		if err != nil {
			t.Fatal(err)
		}
		n := res.Number
		if _, err := e.svc.SetCallback(ctx, n, "ftp://x", "right", "user:1"); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("bad URL: %v", err)
		}
		if _, err := e.svc.SetCallback(ctx, n, hook.URL+"/hook", "wrong", "user:1"); domain.ErrorCode(err) != domain.CodeMetaRejected {
			t.Fatalf("failed handshake: %v", err)
		}
		if got, _ := db.NumberByID(ctx, e.ws.ID, n.ID); got.CallbackOverride != "" {
			t.Fatalf("stored after Meta refused: %q", got.CallbackOverride)
		}
		n, err = e.svc.SetCallback(ctx, n, hook.URL+"/hook", "right", "user:1")
		if err != nil || n.CallbackOverride != hook.URL+"/hook" {
			t.Fatalf("set: %+v %v", n, err)
		}
		if _, err := e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: n.PhoneNumberID, From: "447700900555", Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		select {
		case body := <-got:
			if !strings.Contains(body, "hello") {
				t.Fatalf("override got %s", body)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the number's message webhook did not reach its own URL: %+v", e.sim.Deliveries(5))
		}
		if n, err = e.svc.SetCallback(ctx, n, "", "", "user:1"); err != nil || n.CallbackOverride != "" {
			t.Fatalf("clear: %+v %v", n, err)
		}
		if h := e.history(t, n.ID); !strings.Contains(h, "webhook_url:"+hook.URL+"/hook@user:1") || !strings.Contains(h, "webhook_url:app default@user:1") {
			t.Fatalf("history: %s", h)
		}
	})
}
