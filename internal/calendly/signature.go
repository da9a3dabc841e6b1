package calendly

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far a signature's timestamp may be from now: Calendly's
// own sample code uses three minutes; older is a replay.
const Tolerance = 3 * time.Minute

// Signature errors.
var (
	ErrNoSignature  = errors.New("the Calendly-Webhook-Signature header is missing or malformed")
	ErrBadSignature = errors.New("the signature does not match the body")
	ErrStale        = errors.New("the signature's timestamp is outside the 3-minute tolerance")
)

// Sign is v1 of Calendly-Webhook-Signature: hex HMAC-SHA256 over
// "<t>.<raw body>".
func Sign(key string, t int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks header ("t=…,v1=…") against the raw body and now.
func Verify(key string, body []byte, header string, now time.Time) error {
	var t string
	var sigs []string
	for _, p := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	ts, err := strconv.ParseInt(t, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return ErrStale
	}
	want := []byte(Sign(key, ts, body))
	for _, s := range sigs {
		if hmac.Equal(want, []byte(strings.ToLower(s))) {
			return nil
		}
	}
	return ErrBadSignature
}
