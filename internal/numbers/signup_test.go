package numbers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

type onboardEnv struct {
	sim *meta.Server
	svc *numbers.Service
	db  *store.DB
	ws  domain.Workspace
}

func newOnboardEnv(t *testing.T, db *store.DB, clock *domain.FakeClock) onboardEnv {
	t.Helper()
	// The app's own webhook: accepts and drops (these tests read state).
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(app.Close)
	sim := meta.New(meta.Config{AppSecret: "app-secret", Now: clock.Now, WebhookURL: app.URL})
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	box, _ := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	svc := &numbers.Service{DB: db, Graph: whatsapp.NewClient(srv.URL, "v25.0", nil), Box: box,
		AppID: meta.DefaultAppID, AppSecret: "app-secret", Clock: clock}
	ws, err := db.CreateWorkspace(context.Background(), "w", "W")
	if err != nil {
		t.Fatal(err)
	}
	return onboardEnv{sim: sim, svc: svc, db: db, ws: ws}
}

func (e onboardEnv) history(t *testing.T, id int64) string {
	t.Helper()
	events, err := e.db.NumberEvents(context.Background(), e.ws.ID, id, 200)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range events {
		b.WriteString(ev.Kind + ":" + ev.To + "@" + ev.Source + " ")
	}
	return b.String()
}

// TestEmbeddedSignup walks Meta's server-side onboarding against the
// simulator: a bad or reused code stores nothing; a good one subscribes,
// registers with a PIN GoHavi draws, and stores the number with its
// health. Disconnecting deregisters and keeps the history; connecting
// again needs the number's existing PIN and says so.
func TestEmbeddedSignup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newOnboardEnv(t, db, clock)
		ctx := context.Background()
		popup, err := e.sim.Signup(meta.SignupSpec{VerifiedName: "Lucky Shrub"})
		if err != nil {
			t.Fatal(err)
		}
		req := numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: "not-a-code", WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID}
		if _, err := e.svc.Signup(ctx, req); domain.ErrorCode(err) != numbers.CodeSignupCode {
			t.Fatalf("bad code: %v", err)
		}
		if list, _ := db.ListNumbers(ctx, e.ws.ID); len(list) != 0 {
			t.Fatalf("stored after a failed signup: %+v", list)
		}

		req.Code = popup.Code
		res, err := e.svc.Signup(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		n := res.Number
		if len(res.GeneratedPIN) != 6 || !n.Health.Registered || n.VerifiedName != "Lucky Shrub" || !n.Connected() || n.Health.Status != "CONNECTED" {
			t.Fatalf("signed up: %+v pin %q", n, res.GeneratedPIN)
		}
		if _, err := e.svc.Signup(ctx, req); domain.ErrorCode(err) != numbers.CodeSignupCode {
			t.Fatalf("a code works once: %v", err)
		}
		// The number can be used: the token GoHavi stored works.
		if _, err := e.svc.Refresh(ctx, n); err != nil {
			t.Fatalf("refresh with the stored token: %v", err)
		}

		off, err := e.svc.Disconnect(ctx, n, false, "user:1")
		if err != nil || off.Connected() || off.Health.Registered {
			t.Fatalf("disconnect: %+v %v", off, err)
		}
		// Connect again through a new popup: the number keeps its PIN at
		// Meta, so a fresh PIN is refused with the way out.
		again, err := e.sim.Signup(meta.SignupSpec{WABAID: popup.WABAID, OnlyWABA: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: again.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID})
		var de *domain.Error
		if !asDomain(err, &de) || !strings.Contains(de.Message, "PIN") || !strings.Contains(de.Remedy, "enter it") {
			t.Fatalf("reconnect without the PIN: %v", err)
		}
		again, _ = e.sim.Signup(meta.SignupSpec{WABAID: popup.WABAID, OnlyWABA: true})
		back, err := e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: again.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID, PIN: res.GeneratedPIN})
		if err != nil || back.Number.ID != n.ID || back.GeneratedPIN != "" || !back.Number.Connected() {
			t.Fatalf("reconnect with the PIN: %+v %v", back, err)
		}
		h := e.history(t, n.ID)
		for _, want := range []string{"connection:connected@embedded_signup", "connection:disconnected@user:1", "registration:not registered@user:1"} {
			if !strings.Contains(h, want) {
				t.Errorf("history lacks %s: %s", want, h)
			}
		}
	})
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

func TestSignupAbandonedExplainsEachStep(t *testing.T) {
	for _, step := range []string{"BUSINESS_ACCOUNT_SELECTION", "WABA_PHONE_PROFILE_PICKER", "WHATSAPP_BUSINESS_PROFILE_SETUP", "PHONE_NUMBER_SETUP", "PHONE_NUMBER_VERIFICATION", "PERMISSIONS", ""} {
		e := numbers.SignupAbandoned("CANCEL", step, "", "")
		if e.Code != "signup_cancelled" || e.Message == "" || e.Remedy == "" {
			t.Errorf("%s: %+v", step, e)
		}
	}
	e := numbers.SignupAbandoned("CANCEL", "", "Something went wrong", "524126")
	if e.Code != "signup_error" || !strings.Contains(e.Message, "524126") {
		t.Errorf("error report: %+v", e)
	}
}

// TestProfileAndGreenTick: the profile is checked against Meta's limits
// before sending; the green tick checklist follows what Meta reports, and
// a request goes in only once the hard requirements are met.
func TestProfileAndGreenTick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newOnboardEnv(t, db, clock)
		ctx := context.Background()
		popup, _ := e.sim.Signup(meta.SignupSpec{VerifiedName: "Lucky Shrub"})
		res, err := e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: popup.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID})
		if err != nil {
			t.Fatal(err)
		}
		n := res.Number

		_, err = e.svc.UpdateProfile(ctx, n, whatsapp.BusinessProfile{About: strings.Repeat("a", 140)}, "user:1")
		if domain.ErrorCode(err) != domain.CodeInvalidArgument || !strings.Contains(err.Error(), "about") {
			t.Fatalf("over-long about: %v", err)
		}
		for _, bad := range []whatsapp.BusinessProfile{
			{About: "ok", Email: "not-an-email"}, {About: "ok", Websites: []string{"a.com"}},
			{About: "ok", Websites: []string{"https://a", "https://b", "https://c"}}, {About: "ok", Vertical: "SPACESHIPS"},
		} {
			if _, err := e.svc.UpdateProfile(ctx, n, bad, "user:1"); domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Errorf("%+v accepted: %v", bad, err)
			}
		}
		bp, err := e.svc.UpdateProfile(ctx, n, whatsapp.BusinessProfile{About: "Succulent specialists", Email: "hi@luckyshrub.example",
			Websites: []string{"https://luckyshrub.example"}, Vertical: "retail"}, "user:1")
		if err != nil || bp.About != "Succulent specialists" || bp.Vertical != "RETAIL" || len(bp.Websites) != 1 {
			t.Fatalf("profile: %+v %v", bp, err)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
		bp, err = e.svc.UploadPhoto(ctx, n, "image/png", png, "user:1")
		if err != nil || bp.ProfilePictureURL == "" || bp.About != "Succulent specialists" {
			t.Fatalf("photo: %+v %v", bp, err)
		}

		g, err := e.svc.GreenTickFor(ctx, n)
		if err != nil || g.CanRequest || g.Why == "" {
			t.Fatalf("green tick before verification: %+v %v", g, err)
		}
		obaReq := whatsapp.OBARequest{BusinessWebsiteURL: "https://luckyshrub.example", PrimaryCountryOfOperation: "United States of America",
			PrimaryLanguage: "English", SupportingLinks: []string{"https://news.example/lucky-shrub"}}
		if _, err := e.svc.RequestGreenTick(ctx, n, obaReq, "user:1"); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("request before the requirements: %v", err)
		}
		if err := e.sim.DecideDisplayName(n.PhoneNumberID, "APPROVED", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.SetBusinessVerification("", n.WABAID, "verified"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(31 * 24 * time.Hour)
		if n, err = e.svc.Refresh(ctx, n); err != nil {
			t.Fatal(err)
		}
		g, _ = e.svc.GreenTickFor(ctx, n)
		states := map[string]string{}
		for _, c := range g.Checklist {
			states[c.Key] = c.State
		}
		if !g.CanRequest || states["business_verification"] != "done" || states["display_name"] != "done" || states["two_step"] != "done" || states["age"] != "done" {
			t.Fatalf("green tick after verification: %+v", g)
		}
		if _, err := e.svc.RequestGreenTick(ctx, n, whatsapp.OBARequest{BusinessWebsiteURL: "https://luckyshrub.example", PrimaryCountryOfOperation: "US", PrimaryLanguage: "English"}, "user:1"); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("request without notability links: %v", err)
		}
		g, err = e.svc.RequestGreenTick(ctx, n, obaReq, "user:1")
		if err != nil || g.OBAStatus != "PENDING" || g.CanRequest || g.LastRequest == nil || g.LastRequest.Fields.SupportingLinks[0] != obaReq.SupportingLinks[0] {
			t.Fatalf("requested: %+v %v", g, err)
		}
		if err := e.sim.DecideOBA(n.PhoneNumberID, "APPROVED", ""); err != nil {
			t.Fatal(err)
		}
		if n, err = e.svc.Refresh(ctx, n); err != nil || !n.Health.OfficialBusiness || n.Health.OBAStatus != "APPROVED" {
			t.Fatalf("after approval: %+v %v", n.Health, err)
		}
		if h := e.history(t, n.ID); !strings.Contains(h, "official_business:yes@refresh") || !strings.Contains(h, "oba_request:submitted@user:1") || !strings.Contains(h, "profile:") {
			t.Fatalf("history: %s", h)
		}
	})
}

// TestSignupRegistrationLimit: Meta's 10 registrations per 72 hours is
// explained, and nothing is stored.
func TestSignupRegistrationLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newOnboardEnv(t, db, clock)
		ctx := context.Background()
		popup, _ := e.sim.Signup(meta.SignupSpec{VerifiedName: "Lucky Shrub"})
		res, err := e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: popup.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID})
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.svc.Box.Open(res.Number.AccessTokenEnc, []byte(popup.PhoneNumberID))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 9; i++ { // ten registrations in all
			if err := e.svc.Graph.Register(ctx, string(token), popup.PhoneNumberID, res.GeneratedPIN); err != nil {
				t.Fatalf("registration %d: %v", i+2, err)
			}
		}
		if _, err := e.svc.Disconnect(ctx, res.Number, true, "user:1"); err != nil {
			t.Fatal(err)
		}
		again, _ := e.sim.Signup(meta.SignupSpec{WABAID: popup.WABAID, OnlyWABA: true})
		_, err = e.svc.Signup(ctx, numbers.SignupRequest{WorkspaceID: e.ws.ID, Code: again.Code, WABAID: popup.WABAID, PhoneNumberID: popup.PhoneNumberID, PIN: res.GeneratedPIN})
		var de *domain.Error
		if !asDomain(err, &de) || !strings.Contains(de.Message, "10 times") || !strings.Contains(de.Remedy, "72 hours") {
			t.Fatalf("11th registration: %v", err)
		}
		if got, _ := db.NumberByID(ctx, e.ws.ID, res.Number.ID); got.Connected() {
			t.Fatal("reconnected although registration failed")
		}
	})
}
