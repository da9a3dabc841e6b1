package hubspot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Why a webhook signature was refused.
var (
	ErrMissingSignature  = errors.New("hubspot webhook: missing signature")
	ErrBadTimestamp      = errors.New("hubspot webhook: missing or malformed X-HubSpot-Request-Timestamp")
	ErrStaleTimestamp    = errors.New("hubspot webhook: request timestamp is older than 5 minutes")
	ErrFutureTimestamp   = errors.New("hubspot webhook: request timestamp is more than 5 minutes in the future")
	ErrSignatureMismatch = errors.New("hubspot webhook: signature does not match")
)

// maxSkew is HubSpot's MAX_ALLOWED_TIMESTAMP: older requests may be
// replays. The same bound ahead of now covers a clock far off.
const maxSkew = 5 * time.Minute

// VerifyV3 checks X-HubSpot-Signature-v3 (signature) and
// X-HubSpot-Request-Timestamp (timestamp, ms) of an app webhook. fullURI
// is the public URL HubSpot called, query included. HubSpot's docs say to
// decode some %-escapes in the URI before signing while its SDKs sign it
// as is, so either form is accepted.
func VerifyV3(secret, method, fullURI string, body []byte, signature, timestamp string, now time.Time) error {
	if signature == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	age := now.Sub(time.UnixMilli(ts))
	switch {
	case age > maxSkew:
		return ErrStaleTimestamp
	case age < -maxSkew:
		return ErrFutureTimestamp
	}
	for _, uri := range []string{fullURI, decodeURI(fullURI)} {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(method + uri))
		m.Write(body)
		m.Write([]byte(timestamp))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		if hmac.Equal([]byte(want), []byte(signature)) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

var uriDecoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'",
	"%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

func decodeURI(u string) string { return uriDecoder.Replace(u) }

// VerifyV2 checks the X-HubSpot-Signature of a workflow webhook or CRM
// card request: hex SHA-256 of secret + method + URI + body. It carries no
// timestamp, so replays cannot be told apart.
func VerifyV2(secret, method, fullURI string, body []byte, signature string) error {
	return verifyHex(signature, secret+method+fullURI, body)
}

// VerifyV1 checks a legacy X-HubSpot-Signature (version v1): hex SHA-256 of
// secret + body.
func VerifyV1(secret string, body []byte, signature string) error {
	return verifyHex(signature, secret, body)
}

func verifyHex(signature, prefix string, body []byte) error {
	if signature == "" {
		return ErrMissingSignature
	}
	h := sha256.New()
	h.Write([]byte(prefix))
	h.Write(body)
	want := hex.EncodeToString(h.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(strings.TrimSpace(signature)))) {
		return ErrSignatureMismatch
	}
	return nil
}

// Event is one entry of an app webhook delivery (§1.4.2).
type Event struct {
	EventID          int64
	SubscriptionID   int64
	PortalID         int64
	AppID            int64
	OccurredAt       int64 // epoch ms
	SubscriptionType string
	AttemptNumber    int
	ObjectID         int64
	PropertyName     string
	PropertyValue    string
	ChangeSource     string
	SourceID         string
}

// flexInt reads an id HubSpot may send as a number or a numeric string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(n)
	return nil
}

type wireEvent struct {
	EventID          flexInt `json:"eventId"`
	SubscriptionID   flexInt `json:"subscriptionId"`
	PortalID         flexInt `json:"portalId"`
	AppID            flexInt `json:"appId"`
	OccurredAt       flexInt `json:"occurredAt"`
	SubscriptionType string  `json:"subscriptionType"`
	EventType        string  `json:"eventType"`
	AttemptNumber    flexInt `json:"attemptNumber"`
	ObjectID         flexInt `json:"objectId"`
	PropertyName     string  `json:"propertyName"`
	PropertyValue    string  `json:"propertyValue"`
	ChangeSource     string  `json:"changeSource"`
	SourceID         string  `json:"sourceId"`
}

// ParseEvents reads a delivery body, which HubSpot always sends as a JSON
// array. An archived doc names subscriptionType "eventType"; both work.
func ParseEvents(body []byte) ([]Event, error) {
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '[' {
		return nil, errors.New("hubspot webhook: body is not a JSON array")
	}
	var wire []wireEvent
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("hubspot webhook: %w", err)
	}
	out := make([]Event, len(wire))
	for i, w := range wire {
		typ := w.SubscriptionType
		if typ == "" {
			typ = w.EventType
		}
		out[i] = Event{
			EventID: int64(w.EventID), SubscriptionID: int64(w.SubscriptionID), PortalID: int64(w.PortalID),
			AppID: int64(w.AppID), OccurredAt: int64(w.OccurredAt), SubscriptionType: typ,
			AttemptNumber: int(w.AttemptNumber), ObjectID: int64(w.ObjectID), PropertyName: w.PropertyName,
			PropertyValue: w.PropertyValue, ChangeSource: w.ChangeSource, SourceID: w.SourceID,
		}
	}
	return out, nil
}

// DedupeKey identifies an event across redeliveries and HubSpot's
// duplicates; eventId is documented as not unique, so it is not used.
func (e Event) DedupeKey() string {
	return fmt.Sprintf("%d|%s|%d|%s|%s|%d", e.PortalID, e.SubscriptionType, e.ObjectID, e.PropertyName, e.PropertyValue, e.OccurredAt)
}
