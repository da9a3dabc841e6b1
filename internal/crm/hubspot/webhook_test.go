package hubspot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The vectors of spec §1.4.4.
const (
	vecSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	vecBody   = `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`
	vecURI    = "https://www.example.com/webhook_uri"
	vecTS     = "1564113600000"
	vecV3     = "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw="
)

func TestVerifyV3(t *testing.T) {
	at := time.UnixMilli(1564113600000)
	if err := VerifyV3(vecSecret, "POST", vecURI, []byte(vecBody), vecV3, vecTS, at.Add(time.Minute)); err != nil {
		t.Fatalf("spec vector: %v", err)
	}
	for _, c := range []struct {
		name      string
		sig, ts   string
		body, uri string
		now       time.Time
		want      error
	}{
		{"wrong signature", "AxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw=", vecTS, vecBody, vecURI, at, ErrSignatureMismatch},
		{"wrong body", vecV3, vecTS, vecBody + " ", vecURI, at, ErrSignatureMismatch},
		{"wrong uri", vecV3, vecTS, vecBody, vecURI + "?a=1", at, ErrSignatureMismatch},
		{"missing signature", "", vecTS, vecBody, vecURI, at, ErrMissingSignature},
		{"missing timestamp", vecV3, "", vecBody, vecURI, at, ErrBadTimestamp},
		{"bad timestamp", vecV3, "yesterday", vecBody, vecURI, at, ErrBadTimestamp},
		{"stale", vecV3, vecTS, vecBody, vecURI, at.Add(5*time.Minute + time.Millisecond), ErrStaleTimestamp},
		{"future", vecV3, vecTS, vecBody, vecURI, at.Add(-5*time.Minute - time.Millisecond), ErrFutureTimestamp},
	} {
		if err := VerifyV3(vecSecret, "POST", c.uri, []byte(c.body), c.sig, c.ts, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Exactly 5 minutes old is still accepted.
	if err := VerifyV3(vecSecret, "POST", vecURI, []byte(vecBody), vecV3, vecTS, at.Add(5*time.Minute)); err != nil {
		t.Errorf("5 min old: %v", err)
	}
}

func TestVerifyV2AndV1(t *testing.T) {
	if err := VerifyV2(vecSecret, "GET", vecURI, nil, "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"); err != nil {
		t.Fatalf("v2 vector: %v", err)
	}
	if err := VerifyV2(vecSecret, "POST", vecURI, nil, "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("v2 other method: %v", err)
	}
	if err := VerifyV2(vecSecret, "GET", vecURI, nil, ""); !errors.Is(err, ErrMissingSignature) {
		t.Fatalf("v2 missing: %v", err)
	}
	if err := VerifyV1(vecSecret, []byte(vecBody), "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"); err != nil {
		t.Fatalf("v1 vector: %v", err)
	}
}

func TestParseEvents(t *testing.T) {
	evs, err := ParseEvents([]byte(vecBody))
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	want := Event{EventID: 1, SubscriptionID: 12345, PortalID: 62515, AppID: 54321, OccurredAt: 1564113600000,
		SubscriptionType: "contact.creation", ObjectID: 123, ChangeSource: "CRM"}
	if evs[0] != want {
		t.Fatalf("got %+v", evs[0])
	}

	alias := `[{"eventId":"7","portalId":33,"occurredAt":1462216307945,"eventType":"deal.propertyChange","attemptNumber":2,
		"objectId":"1246965","propertyName":"dealstage","propertyValue":"qualifiedtobuy","changeSource":"CRM","sourceId":"userId:1"}]`
	evs, err = ParseEvents([]byte(alias))
	if err != nil || len(evs) != 1 {
		t.Fatalf("alias: %v %v", evs, err)
	}
	e := evs[0]
	if e.SubscriptionType != "deal.propertyChange" || e.EventID != 7 || e.ObjectID != 1246965 || e.AttemptNumber != 2 || e.SourceID != "userId:1" {
		t.Fatalf("alias event %+v", e)
	}
	if k := e.DedupeKey(); k != "33|deal.propertyChange|1246965|dealstage|qualifiedtobuy|1462216307945" {
		t.Fatalf("dedupe key %q", k)
	}
	// The same change redelivered has the same key.
	again := e
	again.EventID, again.AttemptNumber = 99, 3
	if again.DedupeKey() != e.DedupeKey() {
		t.Fatal("redelivery changes the key")
	}

	for _, bad := range []string{`{"eventId":1}`, ``, `[{"objectId":"x"}]`, `[`} {
		if _, err := ParseEvents([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if evs, err := ParseEvents([]byte(" []")); err != nil || len(evs) != 0 {
		t.Fatalf("empty array: %v %v", evs, err)
	}
}

func TestAuthorizeURL(t *testing.T) {
	u := OAuth{ClientID: "cid"}.AuthorizeURL("https://gohavi.example/cb", "st")
	for _, part := range []string{"https://app.hubspot.com/oauth/authorize?", "client_id=cid", "state=st",
		"redirect_uri=https%3A%2F%2Fgohavi.example%2Fcb", "scope=oauth+crm.objects.contacts.read+crm.objects.contacts.write+crm.objects.deals.read"} {
		if !strings.Contains(u, part) {
			t.Errorf("%s lacks %s", u, part)
		}
	}
}
