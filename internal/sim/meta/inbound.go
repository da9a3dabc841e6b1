package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Inbound is a message the customer sends to a business number.
type Inbound struct {
	PhoneNumberID string // business number receiving it
	From          string // customer's wa_id (digits; "+" and separators are stripped)
	Name          string // profile name; defaults to the name this customer used last
	Type          string // text (default), image, video, audio, document, sticker, location, contacts, interactive, button, reaction, unsupported, request_welcome, system; "call" is a voice call (a "calls" webhook, not a message)
	Text          string // shortcut for a text body
	// Content is the object under the type key (an array for contacts),
	// e.g. {"caption":"hi"} for image or {"type":"button_reply","button_reply":{…}}
	// for interactive. Generated fields (media id, mime_type, sha256, …)
	// are filled in where absent.
	Content   json.RawMessage
	Context   string          // wamid the customer quotes or whose button they tapped
	Referral  json.RawMessage // optional Click-to-WhatsApp referral object
	Timestamp time.Time       // default: now
	// Data is the file of a media message (image, video, audio, document,
	// sticker), downloadable through the Media API under the generated
	// id; nil gives a small valid file of the type's mime_type.
	Data []byte
}

// ErrInvalidInbound wraps every validation error of Inject.
var ErrInvalidInbound = errors.New("invalid inbound message")

var mediaMIME = map[string]string{
	"image": "image/jpeg", "video": "video/mp4", "audio": "audio/ogg; codecs=opus",
	"document": "application/pdf", "sticker": "image/webp",
}

// Inject delivers a customer message to the business as a signed webhook
// and opens (or refreshes) the 24-hour customer-service window.
func (s *Server) Inject(ctx context.Context, in Inbound) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	from, ok := digitsOnly(in.From)
	if !ok || len(from) < 7 || len(from) > 15 {
		return "", fmt.Errorf("%w: from must be a phone number, got %q", ErrInvalidInbound, in.From)
	}
	if in.Type == "" {
		in.Type = "text"
	}
	if in.Type == "call" {
		return s.injectCall(ctx, in, from)
	}
	content, err := decodeContent(in)
	if err != nil {
		return "", err
	}
	var media *mediaItem
	if mediaTypes[in.Type] {
		media, content = s.prepareInboundMedia(in, content)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[in.PhoneNumberID]
	if ns == nil {
		return "", fmt.Errorf("%w: unknown phone_number_id %q", ErrInvalidInbound, in.PhoneNumberID)
	}
	ts := in.Timestamp
	if ts.IsZero() {
		ts = s.now()
	}
	key := pairKey{ns.PhoneNumberID, from}
	name := in.Name
	if name == "" {
		name = s.names[key]
	}
	if name == "" {
		name = "WhatsApp User"
	}
	s.names[key] = name
	if content, err = completeContent(in.Type, content, from, name); err != nil {
		return "", err
	}
	if media != nil {
		media.Filename, _ = content.(map[string]any)["filename"].(string)
		s.media[media.ID] = media
	}
	contextID := in.Context
	if contextID == "" && (in.Type == "interactive" || in.Type == "button") {
		contextID = lastButtonMessage(ns.threads[from])
	}
	wamid := newWamid(from)
	obj := map[string]any{"from": from, "id": wamid, "timestamp": unixString(ts), "type": in.Type}
	if contextID != "" {
		quotedFrom := ns.DisplayPhoneNumber
		if q := ns.byID[contextID]; q != nil && q.inbound {
			quotedFrom = q.waID
		}
		obj["context"] = map[string]string{"from": quotedFrom, "id": contextID}
	}
	if content != nil {
		obj[in.Type] = content
	}
	if in.Type == "unsupported" {
		obj["errors"] = []AsyncError{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
			ErrorData: AsyncErrorData{Details: "Message type is currently not supported."}}}
	}
	if len(in.Referral) > 0 {
		obj["referral"] = in.Referral
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidInbound, err)
	}
	contentJSON, _ := json.Marshal(content)
	ns.add(&message{wamid: wamid, inbound: true, waID: from, typ: in.Type, raw: raw,
		content: contentJSON, contextID: contextID, at: ts})
	if prev, ok := s.windows[key]; !ok || ts.After(prev) {
		s.windows[key] = ts
	}
	s.changed()
	if !s.closed {
		c := &contact{WaID: from}
		c.Profile.Name = name
		s.hooks.enqueue(ns, &update{contact: c, message: raw})
	}
	return wamid, nil
}

// decodeContent parses the type object (keeping numbers exact) and applies
// the Text shortcut.
func decodeContent(in Inbound) (any, error) {
	var content any
	if len(in.Content) > 0 && !bytes.Equal(bytes.TrimSpace(in.Content), []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(in.Content))
		dec.UseNumber()
		if err := dec.Decode(&content); err != nil {
			return nil, fmt.Errorf("%w: %s content: %v", ErrInvalidInbound, in.Type, err)
		}
	}
	if in.Type == "text" && in.Text != "" {
		m, _ := content.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m["body"] = in.Text
		content = m
	}
	return content, nil
}

// completeContent checks the type object and fills in what Meta generates.
func completeContent(typ string, content any, from, name string) (any, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidInbound, fmt.Sprintf(format, a...))
	}
	if typ == "request_welcome" {
		return nil, nil
	}
	if typ == "contacts" {
		if list, ok := content.([]any); ok && len(list) > 0 {
			return list, nil
		}
		return nil, bad("contacts must be a non-empty array")
	}
	m, _ := content.(map[string]any)
	if m == nil {
		if content != nil {
			return nil, bad("%s must be an object", typ)
		}
		m = map[string]any{}
	}
	setDefault := func(k string, v any) {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	switch typ {
	case "text":
		if b, _ := m["body"].(string); b == "" {
			return nil, bad("text.body is required")
		}
	case "image", "video", "audio", "document", "sticker":
		setDefault("id", newNumericID())
		setDefault("mime_type", mediaMIME[typ])
		setDefault("sha256", newSHA256())
		setDefault("url", "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid="+fmt.Sprint(m["id"]))
		switch typ {
		case "audio":
			setDefault("voice", false)
		case "document":
			setDefault("filename", "document.pdf")
		case "sticker":
			setDefault("animated", false)
		}
	case "location":
		if m["latitude"] == nil || m["longitude"] == nil {
			return nil, bad("location.latitude and location.longitude are required")
		}
	case "interactive":
		it, _ := m["type"].(string)
		if it != "button_reply" && it != "list_reply" && it != "nfm_reply" {
			return nil, bad(`interactive.type must be "button_reply", "list_reply" or "nfm_reply"`)
		}
		if r, _ := m[it].(map[string]any); r == nil || r["id"] == nil && it != "nfm_reply" {
			return nil, bad("interactive.%s.id is required", it)
		}
	case "button":
		text, _ := m["text"].(string)
		if text == "" {
			return nil, bad("button.text is required")
		}
		setDefault("payload", text)
	case "reaction":
		if id, _ := m["message_id"].(string); id == "" {
			return nil, bad("reaction.message_id is required")
		}
		setDefault("emoji", "")
	case "unsupported":
		setDefault("type", "unknown")
	case "system":
		setDefault("wa_id", from)
		setDefault("type", "user_changed_number")
		setDefault("body", fmt.Sprintf("User %s changed from %s to %s", name, from, m["wa_id"]))
	default:
		return nil, bad("unsupported type %q", typ)
	}
	return m, nil
}

// lastButtonMessage finds the business message a tap most likely answers,
// so tests and the phone page may omit the context.
func lastButtonMessage(thread []*message) string {
	for i := len(thread) - 1; i >= 0; i-- {
		if m := thread[i]; !m.inbound && m.status != "failed" && (m.typ == "interactive" || m.typ == "template") {
			return m.wamid
		}
	}
	return ""
}
