package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

// TestNumbersAPI: Embedded Signup through the API against the sandbox's
// simulated Meta, then health, history, profile, green tick and
// disconnect; another workspace reaches none of it.
func TestNumbersAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner, other := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "other"))
		var raw map[string]any
		n.call(t, http.MethodGet, "/api/v1/whatsapp/signup/config", nil, owner).want(t, http.StatusOK, &raw)
		if raw["sdk_url"] != "/sim/_sim/sdk.js" || raw["app_id"] != meta.DefaultAppID || raw["sandbox"] != true {
			t.Fatalf("signup config: %v", raw)
		}

		popup, err := n.Sim.Signup(meta.SignupSpec{VerifiedName: "Lucky Shrub"})
		if err != nil {
			t.Fatal(err)
		}
		n.call(t, http.MethodPost, "/api/v1/whatsapp/signup", map[string]string{"code": "expired", "waba_id": popup.WABAID, "phone_number_id": popup.PhoneNumberID}, owner).
			wantError(t, http.StatusUnprocessableEntity, "signup_code_rejected")
		var done struct {
			Number struct {
				ID        int64
				Connected bool
				Health    map[string]any
			}
			PIN *string
		}
		n.call(t, http.MethodPost, "/api/v1/whatsapp/signup", map[string]string{"code": popup.Code, "waba_id": popup.WABAID, "phone_number_id": popup.PhoneNumberID}, owner).
			want(t, http.StatusCreated, &done)
		if !done.Number.Connected || done.PIN == nil || len(*done.PIN) != 6 || done.Number.Health["registered"] != true {
			t.Fatalf("signup: %+v", done)
		}
		base := "/api/v1/whatsapp/numbers/" + itoa(done.Number.ID)

		var explained struct{ Code, Message, Remedy string }
		n.call(t, http.MethodPost, "/api/v1/whatsapp/signup/abandoned", map[string]string{"event": "CANCEL", "current_step": "PHONE_NUMBER_VERIFICATION"}, owner).
			want(t, http.StatusOK, &explained)
		if !strings.Contains(explained.Message, "verifying") || explained.Remedy == "" {
			t.Fatalf("abandoned: %+v", explained)
		}

		n.call(t, http.MethodPut, base+"/profile", map[string]any{"about": strings.Repeat("x", 140)}, owner).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		var prof map[string]any
		n.call(t, http.MethodPut, base+"/profile", map[string]any{"about": "Succulents", "websites": []string{"https://shrub.example"}}, owner).want(t, http.StatusOK, &prof)
		if prof["about"] != "Succulents" {
			t.Fatalf("profile: %v", prof)
		}
		photo := n.call(t, http.MethodPost, base+"/profile/photo", "not an image", owner, withHeader("Content-Type", "text/plain"))
		photo.wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		var g struct {
			CanRequest bool `json:"can_request"`
			Checklist  []struct{ Key, State string }
		}
		n.call(t, http.MethodGet, base+"/green-tick", nil, owner).want(t, http.StatusOK, &g)
		if g.CanRequest || len(g.Checklist) < 5 {
			t.Fatalf("green tick: %+v", g)
		}
		n.call(t, http.MethodPost, base+"/green-tick", map[string]any{"business_website_url": "https://shrub.example", "primary_country_of_operation": "US",
			"primary_language": "English", "supporting_links": []string{"https://news.example/a"}}, owner).wantError(t, http.StatusConflict, domain.CodeConflict)

		if err := n.Sim.DecideDisplayName(popup.PhoneNumberID, "APPROVED", ""); err != nil {
			t.Fatal(err)
		}
		var refreshed struct{ Health map[string]any }
		n.call(t, http.MethodPost, base+"/refresh", nil, owner).want(t, http.StatusOK, &refreshed)
		if refreshed.Health["name_status"] != "APPROVED" {
			t.Fatalf("after refresh: %+v", refreshed)
		}
		var hist struct {
			Data []struct{ Kind, To, Source string }
		}
		n.call(t, http.MethodGet, base+"/history", nil, owner).want(t, http.StatusOK, &hist)
		found := false
		for _, e := range hist.Data {
			// Meta's phone_number_name_update webhook may record it first.
			found = found || (e.Kind == "name_status" && e.To == "APPROVED" && (e.Source == "refresh" || e.Source == "phone_number_name_update"))
		}
		if !found {
			t.Fatalf("history: %+v", hist.Data)
		}

		// Another workspace sees none of it.
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, base + "/history"}, {http.MethodGet, base + "/profile"}, {http.MethodPost, base + "/refresh"},
			{http.MethodGet, base + "/green-tick"}, {http.MethodDelete, base},
		} {
			n.call(t, c.method, c.path, nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}

		var off struct{ Connected bool }
		n.call(t, http.MethodDelete, base, nil, owner).want(t, http.StatusOK, &off)
		if off.Connected {
			t.Fatal("still connected after DELETE")
		}
		n.call(t, http.MethodGet, base+"/history", nil, owner).want(t, http.StatusOK, &hist)
		if len(hist.Data) < 3 {
			t.Fatalf("history lost on disconnect: %+v", hist.Data)
		}
	})
}
