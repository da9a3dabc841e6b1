package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// OutgoingMessage is the body of POST /{version}/{phone-number-id}/messages.
// Text covers the common case. Every other type puts its object in Body,
// which is written verbatim under the key named by Type, so templates,
// media, interactive and types Meta adds later need no change here.
type OutgoingMessage struct {
	MessagingProduct      string // always "whatsapp"; filled in when empty
	RecipientType         string // "individual" (default) or "group"
	To                    string // E.164 phone, group id or BSUID
	Type                  string // text, image, template, interactive, reaction, …
	Context               *Context
	BizOpaqueCallbackData string // echoed in status webhooks; ≤ 512 chars
	Text                  *Text
	Body                  json.RawMessage // the object under Type, when Type is not text
}

// Context makes a send a reply that quotes an earlier message.
type Context struct {
	MessageID string `json:"message_id"`
}

// Text is a text message body. Inbound text messages reuse it; they only
// carry Body.
type Text struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

// wireHead holds the keys every send has, in the order Meta documents them.
type wireHead struct {
	MessagingProduct      string   `json:"messaging_product"`
	RecipientType         string   `json:"recipient_type,omitempty"`
	To                    string   `json:"to"`
	Type                  string   `json:"type"`
	Context               *Context `json:"context,omitempty"`
	BizOpaqueCallbackData string   `json:"biz_opaque_callback_data,omitempty"`
}

// reservedKeys cannot be a Type: the payload key would collide with them.
var reservedKeys = map[string]bool{
	"messaging_product": true, "recipient_type": true, "to": true, "type": true,
	"context": true, "biz_opaque_callback_data": true, "status": true, "message_id": true,
	"recipient_identity_key_hash": true,
}

// maxOpaqueData is Meta's limit on biz_opaque_callback_data; longer values
// are rejected with code 100 after a round trip we can avoid.
const maxOpaqueData = 512

// MarshalJSON writes the §3 request. It fails on messages Meta would reject
// for their shape, so Send reports them before any network call.
func (m OutgoingMessage) MarshalJSON() ([]byte, error) {
	payload, err := m.payload()
	if err != nil {
		return nil, err
	}
	head := wireHead{
		MessagingProduct:      m.MessagingProduct,
		RecipientType:         m.RecipientType,
		To:                    m.To,
		Type:                  m.Type,
		Context:               m.Context,
		BizOpaqueCallbackData: m.BizOpaqueCallbackData,
	}
	if head.MessagingProduct == "" {
		head.MessagingProduct = "whatsapp"
	}
	if head.RecipientType == "" {
		head.RecipientType = "individual"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keeps "&" and "<" in texts readable in logs and fixtures
	if err := enc.Encode(head); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("}\n")) // reopen the object, exactly one brace
	out = append(out, `,"`+m.Type+`":`...)
	out = append(out, payload...)
	return append(out, '}'), nil
}

func (m OutgoingMessage) payload() ([]byte, error) {
	switch {
	case m.To == "":
		return nil, errors.New("whatsapp: outgoing message: empty recipient")
	case !validType(m.Type):
		return nil, fmt.Errorf("whatsapp: outgoing message: invalid type %q", m.Type)
	case utf8.RuneCountInString(m.BizOpaqueCallbackData) > maxOpaqueData:
		return nil, fmt.Errorf("whatsapp: outgoing message: biz_opaque_callback_data longer than %d characters", maxOpaqueData)
	case m.Text != nil && m.Type != "text":
		return nil, fmt.Errorf("whatsapp: outgoing message: Text set on a %q message", m.Type)
	case m.Text != nil && len(m.Body) > 0:
		return nil, errors.New("whatsapp: outgoing message: both Text and Body set")
	case m.Text != nil:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.Text); err != nil {
			return nil, err
		}
		return bytes.TrimRight(b.Bytes(), "\n"), nil
	case len(m.Body) == 0:
		return nil, fmt.Errorf("whatsapp: outgoing message: %q message has no Body", m.Type)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, m.Body); err != nil {
		return nil, fmt.Errorf("whatsapp: outgoing message: Body is not valid JSON: %w", err)
	}
	if b.Len() == 0 || b.Bytes()[0] != '{' {
		return nil, errors.New("whatsapp: outgoing message: Body must be a JSON object")
	}
	return b.Bytes(), nil
}

// validType accepts Meta's type names (lowercase words joined by "_"), which
// also makes the type safe to write as a JSON key without escaping.
func validType(t string) bool {
	if t == "" || len(t) > 64 || reservedKeys[t] {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// UnmarshalJSON reads a §3 request back, which the simulator and tests need.
func (m *OutgoingMessage) UnmarshalJSON(data []byte) error {
	var head wireHead
	if err := json.Unmarshal(data, &head); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*m = OutgoingMessage{
		MessagingProduct:      head.MessagingProduct,
		RecipientType:         head.RecipientType,
		To:                    head.To,
		Type:                  head.Type,
		Context:               head.Context,
		BizOpaqueCallbackData: head.BizOpaqueCallbackData,
	}
	raw, ok := all[head.Type]
	if !ok || head.Type == "" || reservedKeys[head.Type] {
		return nil
	}
	if head.Type == "text" {
		m.Text = new(Text)
		return json.Unmarshal(raw, m.Text)
	}
	m.Body = append(json.RawMessage(nil), raw...)
	return nil
}
