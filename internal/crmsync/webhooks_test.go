package crmsync_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func signV3(method, uri, body, ts string) string {
	m := hmac.New(sha256.New, []byte(hsSecret))
	m.Write([]byte(method + uri + body + ts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func post(t *testing.T, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func errCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message, Remedy string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" || e.Error.Remedy == "" {
		t.Fatalf("not a stable error with message and remedy: %s", body)
	}
	return e.Error.Code
}

// HubSpot's v3 signature: a good one is stored once however often it
// comes; a wrong, missing, stale or future-dated one is refused with 401
// and nothing is stored.
func TestHubSpotWebhookSignatures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		c := e.connectHubSpot(t)
		url := e.url + "/webhooks/hubspot"
		body := `[{"eventId":1,"subscriptionId":25,"portalId":` + c.AccountID + `,"appId":1160452,"occurredAt":` +
			strconv.FormatInt(clock.Now().UnixMilli(), 10) + `,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":9001,"propertyName":"dealstage","propertyValue":"qualifiedtobuy","changeSource":"CRM"}]`
		now := strconv.FormatInt(clock.Now().UnixMilli(), 10)
		good := map[string]string{"X-HubSpot-Signature-v3": signV3("POST", url, body, now), "X-HubSpot-Request-Timestamp": now}
		for range 3 {
			if code, resp := post(t, url, body, good); code != http.StatusOK {
				t.Fatalf("good signature: %d %s", code, resp)
			}
		}
		if evs, _ := db.PendingCRMEvents(context.Background(), c.ID, 10); len(evs) != 1 || evs[0].ObjectID != "9001" {
			t.Fatalf("stored events: %+v", evs)
		}
		stale := strconv.FormatInt(clock.Now().Add(-6*time.Minute).UnixMilli(), 10)
		future := strconv.FormatInt(clock.Now().Add(6*time.Minute).UnixMilli(), 10)
		for name, hdr := range map[string]map[string]string{
			"wrong":   {"X-HubSpot-Signature-v3": signV3("POST", url, body+" ", now), "X-HubSpot-Request-Timestamp": now},
			"missing": {"X-HubSpot-Request-Timestamp": now},
			"stale":   {"X-HubSpot-Signature-v3": signV3("POST", url, body, stale), "X-HubSpot-Request-Timestamp": stale},
			"future":  {"X-HubSpot-Signature-v3": signV3("POST", url, body, future), "X-HubSpot-Request-Timestamp": future},
			"no time": {"X-HubSpot-Signature-v3": signV3("POST", url, body, "")},
		} {
			code, resp := post(t, url, body, hdr)
			if code != http.StatusUnauthorized || errCode(t, resp) != string(domain.CodeBadSignature) {
				t.Errorf("%s signature: %d %s", name, code, resp)
			}
		}
		if code, resp := post(t, url, strings.Repeat("x", 2<<20), good); code != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MB body: %d %s", code, resp)
		}
	})
}

// Zoho signs nothing: the channel's token is the check. The workflow
// alternative needs the connection's key and names a deal.
func TestZohoAndWorkflowWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		e.connectZoho(t)
		e.sync(t)
		c := e.conn(t, "zoho")
		note := func(token string) string {
			return `{"server_time":1718117126473,"query_params":{},"module":"Deals","resource_uri":"https://www.zohoapis.com/crm/v2/Deals","ids":["5725767000003000099"],"operation":"update","channel_id":"` +
				strconv.FormatInt(c.WatchChannelID, 10) + `","token":"` + token + `"}`
		}
		if code, resp := post(t, e.url+"/webhooks/zoho", note("not-the-token"), nil); code != http.StatusUnauthorized || errCode(t, resp) != string(domain.CodeBadSignature) {
			t.Fatalf("wrong token: %d %s", code, resp)
		}
		for range 2 {
			if code, resp := post(t, e.url+"/webhooks/zoho", note(c.WebhookKey), nil); code != http.StatusOK {
				t.Fatalf("right token: %d %s", code, resp)
			}
		}
		if evs, _ := db.PendingCRMEvents(ctx, c.ID, 10); len(evs) != 1 || evs[0].ObjectID != "5725767000003000099" {
			t.Fatalf("zoho events: %+v", evs)
		}

		wf := e.url + "/webhooks/zoho/workflow"
		if code, resp := post(t, wf, `{"dealId":"42"}`, nil); code != http.StatusUnauthorized || errCode(t, resp) != string(domain.CodeBadSignature) {
			t.Fatalf("workflow without key: %d %s", code, resp)
		}
		if code, resp := post(t, wf+"?key="+c.WebhookKey, `{"nothing":"here"}`, nil); code != http.StatusBadRequest || errCode(t, resp) != string(domain.CodeInvalidArgument) {
			t.Fatalf("workflow without a deal: %d %s", code, resp)
		}
		for range 2 {
			if code, resp := post(t, wf, `{"dealId":"42"}`, map[string]string{"X-GoHavi-Key": c.WebhookKey}); code != http.StatusOK {
				t.Fatalf("workflow: %d %s", code, resp)
			}
		}
		if evs, _ := db.PendingCRMEvents(ctx, c.ID, 10); len(evs) != 2 || evs[1].ObjectID != "42" {
			t.Fatalf("after the workflow: %+v", evs)
		}
		// The HubSpot workflow URL of a workspace without HubSpot is refused.
		if code, _ := post(t, e.url+"/webhooks/hubspot/workflow?key="+c.WebhookKey, `{"dealId":"42"}`, nil); code != http.StatusUnauthorized {
			t.Fatalf("zoho key on the hubspot workflow URL: %d", code)
		}
	})
}
