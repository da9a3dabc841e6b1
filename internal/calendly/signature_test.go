package calendly

import (
	"errors"
	"testing"
	"time"
)

// The spec's vector (§3.4), computed with the documented algorithm.
func TestSignatureVector(t *testing.T) {
	body := []byte(`{"event":"invitee.created","created_at":"2026-01-05T10:00:00.000000Z","created_by":"https://api.calendly.com/users/AAAA","payload":{"uri":"https://api.calendly.com/scheduled_events/EEEE/invitees/IIII","status":"active"}}`)
	const want = "f95f402391f8c85b26a7bdac6217e2ebd559f991d571eeb460b230f4c1b12953"
	if got := Sign("test_signing_key_123", 1767607200, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	at := time.Unix(1767607200, 0)
	hdr := "t=1767607200,v1=" + want
	cases := []struct {
		name string
		key  string
		body []byte
		hdr  string
		now  time.Time
		want error
	}{
		{"valid", "test_signing_key_123", body, hdr, at.Add(179 * time.Second), nil},
		{"several v1, one matches", "test_signing_key_123", body, "t=1767607200, v1=00ff,v1=" + want, at, nil},
		{"wrong key", "other", body, hdr, at, ErrBadSignature},
		{"body changed", "test_signing_key_123", append([]byte(" "), body...), hdr, at, ErrBadSignature},
		{"too old", "test_signing_key_123", body, hdr, at.Add(181 * time.Second), ErrStale},
		{"from the future", "test_signing_key_123", body, hdr, at.Add(-181 * time.Second), ErrStale},
		{"no header", "test_signing_key_123", body, "", at, ErrNoSignature},
		{"no v1", "test_signing_key_123", body, "t=1767607200", at, ErrNoSignature},
		{"bad t", "test_signing_key_123", body, "t=abc,v1=" + want, at, ErrNoSignature},
	}
	for _, c := range cases {
		if err := Verify(c.key, c.body, c.hdr, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}
