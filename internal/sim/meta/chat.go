package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SentMessage is a message the business sent through the Graph API.
type SentMessage struct {
	ID                    string          `json:"id"` // wamid
	To                    string          `json:"to"` // as the business wrote it
	WaID                  string          `json:"wa_id"`
	Type                  string          `json:"type"`
	Request               json.RawMessage `json:"request"`           // the raw request body
	Status                string          `json:"status"`            // accepted | held | sent | delivered | read | failed
	Statuses              []StatusEvent   `json:"statuses"`          // every status webhook emitted, in order
	Errors                []AsyncError    `json:"errors,omitempty"`  // set when failed
	Pricing               *Pricing        `json:"pricing,omitempty"` // as sent on the "sent" status
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	Context               string          `json:"context,omitempty"` // quoted wamid
	Timestamp             time.Time       `json:"timestamp"`
}

// ErrNotFound is returned for unknown numbers and messages.
var ErrNotFound = errors.New("not found")

func (m *message) sent() SentMessage {
	return SentMessage{
		ID: m.wamid, To: m.to, WaID: m.waID, Type: m.typ, Request: m.raw, Status: m.status,
		Statuses: append([]StatusEvent(nil), m.history...), Errors: m.errors, Pricing: m.pricing,
		BizOpaqueCallbackData: m.bizOpaque, Context: m.contextID, Timestamp: m.at,
	}
}

// Sent lists what the business sent from phoneNumberID, oldest first.
func (s *Server) Sent(phoneNumberID string) []SentMessage {
	return s.sentTo(phoneNumberID, "")
}

// sentTo filters Sent by customer wa_id ("" for all).
func (s *Server) sentTo(phoneNumberID, waID string) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return nil
	}
	list := ns.msgs
	if waID != "" {
		list = ns.threads[waID]
	}
	out := []SentMessage{}
	for _, m := range list {
		if !m.inbound {
			out = append(out, m.sent())
		}
	}
	return out
}

// SentCounts counts the business messages Meta accepted from a number per
// customer wa_id: the ground truth a test of "exactly once" compares with.
func (s *Server) SentCounts(phoneNumberID string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	if ns := s.numbers[phoneNumberID]; ns != nil {
		for _, m := range ns.msgs {
			if !m.inbound {
				out[m.waID]++
			}
		}
	}
	return out
}

// ChatMessage is one message as the customer's phone shows it.
type ChatMessage struct {
	ID        string          `json:"id"`
	Direction string          `json:"direction"` // "in": customer → business; "out": business → customer
	Type      string          `json:"type"`
	Timestamp int64           `json:"timestamp"` // unix seconds
	Status    string          `json:"status"`    // out: sent|delivered|read; in: delivered, or read once the business marked it read
	Content   json.RawMessage `json:"content,omitempty"`
	Context   string          `json:"context,omitempty"` // quoted wamid
}

// Chat returns the conversation between a business number and a customer
// as the customer's phone has it: failed and not-yet-sent business
// messages never reached the phone, so they are left out.
func (s *Server) Chat(phoneNumberID, waID string) ([]ChatMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return nil, fmt.Errorf("%w: phone number %q", ErrNotFound, phoneNumberID)
	}
	if d, ok := digitsOnly(waID); ok {
		waID = d
	}
	out := []ChatMessage{}
	for _, m := range ns.threads[waID] {
		c := ChatMessage{ID: m.wamid, Type: m.typ, Timestamp: m.at.Unix(), Content: m.content, Context: m.contextID}
		switch {
		case m.inbound:
			c.Direction, c.Status = "in", "delivered"
			if m.readByBusiness {
				c.Status = "read"
			}
		case m.status == "delivered" || m.status == "read" || m.status == "sent" && m.typ == "reaction":
			c.Direction, c.Status = "out", m.status
		default:
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// CustomerRead makes the customer read business message wamid and every
// earlier unread one in that chat, emitting "read" statuses (without
// "delivered" for messages not yet delivered, as Meta does).
func (s *Server) CustomerRead(phoneNumberID, wamid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, phoneNumberID)
	}
	m := ns.byID[wamid]
	if m == nil || m.inbound {
		return fmt.Errorf("%w: business message %q", ErrNotFound, wamid)
	}
	if !s.closed {
		s.customerRead(ns, m)
	}
	return nil
}

// CustomerReadAll reads every business message in the chat with waID.
func (s *Server) CustomerReadAll(phoneNumberID, waID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, phoneNumberID)
	}
	thread := ns.threads[waID]
	for i := len(thread) - 1; i >= 0; i-- {
		if !thread[i].inbound && !s.closed {
			s.customerRead(ns, thread[i])
			break
		}
	}
	return nil
}

// ReadByBusiness reports whether the business marked inbound message
// wamid read (directly or by marking a later one).
func (s *Server) ReadByBusiness(phoneNumberID, wamid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ns := s.numbers[phoneNumberID]; ns != nil {
		if m := ns.byID[wamid]; m != nil {
			return m.readByBusiness
		}
	}
	return false
}
