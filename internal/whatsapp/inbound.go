package whatsapp

import (
	"encoding/json"
	"time"
)

// InboundMessage is one customer message from a "messages" webhook. Only the
// field named by Type is set among the typed payloads; Raw keeps the whole
// object so types we do not model yet are stored, not lost.
type InboundMessage struct {
	From        string          `json:"from"` // wa_id, digits only
	ID          string          `json:"id"`   // wamid, the dedupe key
	Timestamp   string          `json:"timestamp"`
	Type        string          `json:"type"`
	Context     *InboundContext `json:"context"`
	Text        *Text           `json:"text"`
	Image       *Media          `json:"image"`
	Video       *Media          `json:"video"`
	Audio       *Media          `json:"audio"`
	Document    *Media          `json:"document"`
	Sticker     *Media          `json:"sticker"`
	Location    *Location       `json:"location"`
	Contacts    json.RawMessage `json:"contacts"`
	Interactive *Interactive    `json:"interactive"`
	Button      *Button         `json:"button"`
	Reaction    *Reaction       `json:"reaction"`
	Referral    json.RawMessage `json:"referral"` // click-to-WhatsApp ad origin
	System      *System         `json:"system"`
	Unsupported *Unsupported    `json:"unsupported"`
	Errors      []ErrorObject   `json:"errors"`
	Raw         json.RawMessage `json:"-"`
}

// InboundContext says what an inbound message replies to or that it was
// forwarded.
type InboundContext struct {
	From                string `json:"from"`
	ID                  string `json:"id"` // the quoted wamid
	Forwarded           bool   `json:"forwarded"`
	FrequentlyForwarded bool   `json:"frequently_forwarded"`
}

// Media describes received media. ID is downloadable for 7 days; URL is
// present only on newer webhooks and still needs the access token.
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"` // base64 or hex depending on era; opaque
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
	URL      string `json:"url"`
}

// Location is a shared pin.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	URL       string  `json:"url"`
}

// UnmarshalJSON accepts coordinates as numbers (webhooks) or strings (the
// send shape, which simulators and forwarders echo).
func (l *Location) UnmarshalJSON(b []byte) error {
	type alias Location
	var aux struct {
		*alias
		Latitude  flexFloat `json:"latitude"`
		Longitude flexFloat `json:"longitude"`
	}
	aux.alias = (*alias)(l)
	err := json.Unmarshal(b, &aux)
	l.Latitude, l.Longitude = float64(aux.Latitude), float64(aux.Longitude)
	return tolerate(err)
}

// Interactive is the customer's answer to an interactive message.
type Interactive struct {
	Type        string          `json:"type"` // button_reply, list_reply, nfm_reply
	ButtonReply *ButtonReply    `json:"button_reply"`
	ListReply   *ListReply      `json:"list_reply"`
	NfmReply    json.RawMessage `json:"nfm_reply"` // Flows and address messages
}

// ButtonReply is a tapped reply button.
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListReply is a chosen list row.
type ListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Button is a tapped quick-reply button of a template message.
type Button struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Reaction is an emoji reaction to one of our messages.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"` // empty likely means removed (unconfirmed by Meta)
}

// System is a notice from WhatsApp, e.g. the customer changed number.
type System struct {
	Body string `json:"body"`
	WaID string `json:"wa_id"`
	Type string `json:"type"`
}

// Unsupported names the type WhatsApp could not deliver (edit, poll, …).
type Unsupported struct {
	Type string `json:"type"`
}

// UnmarshalJSON keeps the raw object and decodes it field by field leniently:
// a wrongly typed field is left empty instead of failing the batch.
func (m *InboundMessage) UnmarshalJSON(b []byte) error {
	type alias InboundMessage
	var aux struct {
		*alias
		From      flexString `json:"from"`
		Timestamp flexString `json:"timestamp"`
	}
	aux.alias = (*alias)(m)
	err := json.Unmarshal(b, &aux)
	m.From, m.Timestamp = string(aux.From), string(aux.Timestamp)
	m.Raw = append(json.RawMessage(nil), b...)
	return tolerate(err)
}

// Time is Meta's timestamp, or the zero time when it is unusable.
func (m InboundMessage) Time() time.Time { return unixTime(m.Timestamp) }

// TypePayload returns the object under the type key (e.g. "image") as Meta
// sent it, which is what gets stored as the message payload.
func (m InboundMessage) TypePayload() json.RawMessage {
	if m.Type == "" || len(m.Raw) == 0 {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(m.Raw, &all) != nil {
		return nil
	}
	return all[m.Type]
}
