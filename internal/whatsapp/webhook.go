package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SignatureHeader carries Meta's HMAC of a webhook body.
const SignatureHeader = "X-Hub-Signature-256"

// Sign returns the X-Hub-Signature-256 value for body: "sha256=" and the
// lowercase hex HMAC-SHA256 keyed with the app secret.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks header against body. body must be the raw bytes as
// received: Meta signs its \uXXXX-escaped serialization, which re-encoding
// parsed JSON does not reproduce. An empty secret verifies nothing, because
// anyone can compute an HMAC with an empty key.
func VerifySignature(appSecret string, body []byte, header string) bool {
	if appSecret == "" {
		return false
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// VerifyHandshake answers Meta's subscription GET. On ok, reply 200 with the
// challenge as a text/plain body (with X-Content-Type-Options: nosniff, since
// the value is reflected). Tokens are compared as hashes so that neither
// content nor length leaks through timing.
func VerifyHandshake(q url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || q.Get("hub.mode") != "subscribe" {
		return "", false
	}
	got := sha256.Sum256([]byte(q.Get("hub.verify_token")))
	want := sha256.Sum256([]byte(verifyToken))
	challenge = q.Get("hub.challenge")
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || challenge == "" {
		return "", false
	}
	return challenge, true
}

// Payload is a webhook POST body.
type Payload struct {
	Object string  `json:"object"` // "whatsapp_business_account"
	Entry  []Entry `json:"entry"`
}

// Entry groups the changes of one WABA (or, for some account_update events,
// of a partner's business portfolio).
type Entry struct {
	ID      string   `json:"id"`
	Time    int64    `json:"time"` // unix seconds; messages webhooks usually omit it
	Changes []Change `json:"changes"`
}

// UnmarshalJSON accepts id and time as strings or numbers.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type alias Entry
	var aux struct {
		*alias
		ID   flexString `json:"id"`
		Time flexInt    `json:"time"`
	}
	aux.alias = (*alias)(e)
	err := json.Unmarshal(b, &aux)
	e.ID, e.Time = string(aux.ID), int64(aux.Time)
	return tolerate(err)
}

// Change is one subscribed field's event. Value stays raw: its shape depends
// on Field, and raw bytes are what gets stored for replay.
type Change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// Parse decodes a webhook body. It fails only when body is not a JSON
// object; values of unexpected types are skipped, not fatal.
func Parse(body []byte) (Payload, error) {
	var p Payload
	if !isObject(body) {
		return p, errors.New("whatsapp: webhook body is not a JSON object")
	}
	if err := tolerate(json.Unmarshal(body, &p)); err != nil {
		return Payload{}, fmt.Errorf("whatsapp: parse webhook: %w", err)
	}
	return p, nil
}

// DecodeMessages decodes Value as the "messages" field's shape. Callers check
// Field first; smb_message_echoes shares the shape.
func (c Change) DecodeMessages() (MessagesValue, error) { return decodeAs[MessagesValue](c) }

// MessagesValue is the value of a "messages" change: inbound messages,
// statuses of our sends, and system-level errors.
type MessagesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []Contact        `json:"contacts"`
	Messages         []InboundMessage `json:"messages"`
	Statuses         []StatusUpdate   `json:"statuses"`
	Errors           []ErrorObject    `json:"errors"`
}

// Metadata names the business number an event belongs to; PhoneNumberID is
// the routing key.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// UnmarshalJSON accepts the ids as strings or numbers.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var aux struct {
		DisplayPhoneNumber flexString `json:"display_phone_number"`
		PhoneNumberID      flexString `json:"phone_number_id"`
	}
	err := json.Unmarshal(b, &aux)
	m.DisplayPhoneNumber, m.PhoneNumberID = string(aux.DisplayPhoneNumber), string(aux.PhoneNumberID)
	return tolerate(err)
}

// Contact is the sender of inbound messages as WhatsApp knows them.
type Contact struct {
	Profile Profile `json:"profile"`
	WaID    string  `json:"wa_id"`
}

// Profile holds the customer's WhatsApp profile name.
type Profile struct {
	Name string `json:"name"`
}

// StatusUpdate is a delivery status of a message we sent. Statuses arrive at
// least once and out of order; the caller must never move a message back.
type StatusUpdate struct {
	ID                    string          `json:"id"` // the wamid Send returned
	Status                string          `json:"status"`
	Timestamp             string          `json:"timestamp"`
	RecipientID           string          `json:"recipient_id"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data"`
	Conversation          json.RawMessage `json:"conversation"`
	Pricing               json.RawMessage `json:"pricing"`
	Errors                []ErrorObject   `json:"errors"`
}

// UnmarshalJSON accepts the timestamp and recipient as strings or numbers.
func (s *StatusUpdate) UnmarshalJSON(b []byte) error {
	type alias StatusUpdate
	var aux struct {
		*alias
		Timestamp   flexString `json:"timestamp"`
		RecipientID flexString `json:"recipient_id"`
	}
	aux.alias = (*alias)(s)
	err := json.Unmarshal(b, &aux)
	s.Timestamp, s.RecipientID = string(aux.Timestamp), string(aux.RecipientID)
	return tolerate(err)
}

// Time is the status time, or the zero time when Timestamp is unusable.
func (s StatusUpdate) Time() time.Time { return unixTime(s.Timestamp) }

// ErrorObject is the error shape inside webhooks (statuses, unsupported
// inbound messages, system errors). Describe(Code) explains it.
type ErrorObject struct {
	Code      int       `json:"code"`
	Title     string    `json:"title"`
	Message   string    `json:"message"`
	ErrorData ErrorData `json:"error_data"`
	Href      string    `json:"href"`
}

// ErrorData carries the specific reason behind an ErrorObject.
type ErrorData struct {
	Details string `json:"details"`
}

// UnmarshalJSON accepts the code as a string or number.
func (e *ErrorObject) UnmarshalJSON(b []byte) error {
	type alias ErrorObject
	var aux struct {
		*alias
		Code flexInt `json:"code"`
	}
	aux.alias = (*alias)(e)
	err := json.Unmarshal(b, &aux)
	e.Code = int(aux.Code)
	return tolerate(err)
}
