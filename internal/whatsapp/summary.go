package whatsapp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Summary is a one-line text for inbox lists and notifications: line breaks
// and runs of spaces are folded, so store FullText instead.
func (m InboundMessage) Summary() string {
	return oneLine(m.summary())
}

// FullText is Summary without folding: a text message's body or a caption
// exactly as the customer wrote it, line breaks included. It is the right
// value for domain.Message.Text.
func (m InboundMessage) FullText() string {
	return m.summary()
}

func (m InboundMessage) summary() string {
	switch m.Type {
	case "text":
		if m.Text != nil {
			return m.Text.Body
		}
		return ""
	case "image":
		return media("📷 Photo", m.Image, "")
	case "video":
		return media("🎥 Video", m.Video, "")
	case "audio":
		if m.Audio != nil && m.Audio.Voice {
			return "🎤 Voice message"
		}
		return "🎵 Audio"
	case "document":
		name := ""
		if m.Document != nil {
			name = m.Document.Filename
		}
		return media("📄 Document", m.Document, name)
	case "sticker":
		return "🏷️ Sticker"
	case "location":
		return location(m.Location)
	case "contacts":
		return contacts(m.Contacts)
	case "interactive":
		return interactive(m.Interactive)
	case "button":
		if m.Button != nil {
			return firstNonEmpty(m.Button.Text, m.Button.Payload, "Button reply")
		}
		return "Button reply"
	case "reaction":
		if m.Reaction == nil || m.Reaction.Emoji == "" {
			return "Removed a reaction"
		}
		return "Reacted " + m.Reaction.Emoji
	case "system":
		if m.System != nil && m.System.Body != "" {
			return m.System.Body
		}
		return "System message"
	case "order":
		return order(m.TypePayload())
	case "request_welcome":
		return "👋 Opened the chat"
	case "call":
		return "📞 Called you"
	case "unsupported":
		if m.Unsupported != nil && m.Unsupported.Type != "" {
			return "Unsupported message (" + m.Unsupported.Type + ")"
		}
		return "Unsupported message"
	case "":
		return "Message"
	}
	return "Unsupported message (" + m.Type + ")"
}

// media joins a label with a file name and caption when they say something.
func media(label string, md *Media, name string) string {
	parts := []string{}
	if name != "" {
		parts = append(parts, name)
	}
	if md != nil && md.Caption != "" && md.Caption != name {
		parts = append(parts, md.Caption)
	}
	if len(parts) == 0 {
		return label
	}
	return label + ": " + strings.Join(parts, " — ")
}

func location(l *Location) string {
	if l == nil {
		return "📍 Location"
	}
	var parts []string
	for _, p := range []string{l.Name, l.Address} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	coords := ""
	if l.Latitude != 0 || l.Longitude != 0 {
		coords = "(" + strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64) + ")"
	}
	s := "📍 Location"
	switch {
	case len(parts) > 0 && coords != "":
		s += ": " + strings.Join(parts, ", ") + " " + coords
	case len(parts) > 0:
		s += ": " + strings.Join(parts, ", ")
	case coords != "":
		s += " " + coords
	}
	return s
}

func contacts(raw json.RawMessage) string {
	var cs []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
			FirstName     string `json:"first_name"`
			LastName      string `json:"last_name"`
		} `json:"name"`
	}
	_ = json.Unmarshal(raw, &cs)
	var names []string
	for _, c := range cs {
		n := c.Name.FormattedName
		if n == "" {
			n = strings.TrimSpace(c.Name.FirstName + " " + c.Name.LastName)
		}
		if n != "" {
			names = append(names, n)
		}
	}
	switch {
	case len(names) == 0:
		return "👤 Contact"
	case len(names) == 1:
		return "👤 Contact: " + names[0]
	}
	return "👤 Contacts: " + strings.Join(names, ", ")
}

func interactive(in *Interactive) string {
	switch {
	case in == nil:
		return "Interactive reply"
	case in.ButtonReply != nil && in.ButtonReply.Title != "":
		return in.ButtonReply.Title
	case in.ListReply != nil && in.ListReply.Title != "":
		return in.ListReply.Title
	case in.Type == "nfm_reply" || len(in.NfmReply) > 0:
		return "📝 Form submitted"
	}
	return "Interactive reply"
}

func order(raw json.RawMessage) string {
	var o struct {
		Items []json.RawMessage `json:"product_items"`
	}
	if json.Unmarshal(raw, &o) != nil || len(o.Items) == 0 {
		return "🛒 Order"
	}
	if len(o.Items) == 1 {
		return "🛒 Order: 1 item"
	}
	return fmt.Sprintf("🛒 Order: %d items", len(o.Items))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// oneLine folds all whitespace runs (including line breaks) to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
