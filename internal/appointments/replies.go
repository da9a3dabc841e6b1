package appointments

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/gohavi/gohavi/internal/store"
)

// A customer's answer to a booking message lands in the inbox like any
// message (same number, same contact, same conversation). When the
// workspace asks for it, a "1", "yes" or 👍 also marks the booking
// confirmed. The watcher reads the messages table after a cursor, so the
// ingest path knows nothing about Calendly.
func (e *Engine) watchReplies(ctx context.Context, c store.CalendlyConnection) {
	msgs, last, err := e.DB.InboundAfter(ctx, c.WorkspaceID, c.ReplyCursor, 500)
	if err != nil || last == c.ReplyCursor {
		return
	}
	s := parseSettings(c.Settings)
	if s.ConfirmOnReply {
		for _, m := range msgs {
			if !confirms(m, s.confirmWords()) {
				continue
			}
			if err := e.confirm(ctx, c, m); err != nil {
				e.Log.Warn("calendly: recording a confirmation", "err", err)
				return // the cursor stays; tried again next pass
			}
		}
	}
	if err := e.DB.AdvanceCalendlyReplyCursor(ctx, c.ID, last); err != nil {
		e.Log.Warn("calendly: moving the reply cursor", "err", err)
	}
}

// confirm marks the contact's next booking that has had a message from us
// as confirmed.
func (e *Engine) confirm(ctx context.Context, c store.CalendlyConnection, m store.InboundMessage) error {
	bs, err := e.DB.ActiveBookingsForContact(ctx, c.WorkspaceID, m.ContactID, e.Clock.Now())
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b.ConnectionID != c.ID || !b.ConfirmedAt.IsZero() || !anySent(b) {
			continue
		}
		_, err := e.DB.SetBookingConfirmed(ctx, b.ID, e.Clock.Now())
		return err
	}
	return nil
}

func anySent(b store.Booking) bool {
	for _, m := range b.Messages {
		if m.State == store.MsgSent {
			return true
		}
	}
	return false
}

// confirms reads a reply as "I'll be there": a confirm word (alone or
// leading, "yes, see you"), a 👍 of any skin tone, a button whose title is
// a confirm word, or a 👍 reaction.
func confirms(m store.InboundMessage, words []string) bool {
	text := m.Text
	if m.Type == "reaction" {
		var r struct {
			Emoji string `json:"emoji"`
		}
		_ = json.Unmarshal(m.Payload, &r)
		text = r.Emoji
	}
	t := strings.ToLower(strings.TrimSpace(stripModifiers(text)))
	t = strings.TrimRightFunc(t, func(r rune) bool { return unicode.IsPunct(r) })
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(stripModifiers(w)))
		if w == "" {
			continue
		}
		if t == w || strings.HasPrefix(t, w+" ") || strings.HasPrefix(t, w+",") || strings.HasPrefix(t, w+"!") || strings.HasPrefix(t, w+".") {
			return true
		}
	}
	return false
}

// stripModifiers drops emoji skin tones and variation selectors, so 👍🏽
// reads as 👍.
func stripModifiers(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0xFE0F || r == 0xFE0E {
			return -1
		}
		return r
	}, s)
}
