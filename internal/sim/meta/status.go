package meta

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// message is one message of a number's chat, either way.
type message struct {
	wamid     string
	inbound   bool
	waID      string // the customer
	to        string // outbound: "to" exactly as the business sent it
	typ       string
	raw       json.RawMessage // outbound: request body; inbound: the webhook message object
	content   json.RawMessage // the object under the type key, for the chat view
	contextID string
	at        time.Time

	// outbound only
	status     string // accepted | held | sent | delivered | read | failed
	templateID string // template sends: the template, for pacing
	history    []StatusEvent
	errors     []AsyncError
	bizOpaque  string
	pricing    *Pricing
	priced     bool        // pricing already sent on delivered/read (Meta sends it on one of them)
	failWith   *AsyncError // fail instead of sending (131047, injected async faults)
	orderFault string      // "", "skip_delivered" or "out_of_order"
	expiresAt  time.Time   // template sends with a TTL: undelivered by then, Meta drops it

	// inbound only
	readByBusiness bool
}

// StatusEvent is one status webhook emitted for a message.
type StatusEvent struct {
	Status    string       `json:"status"`
	Timestamp string       `json:"timestamp"`
	Errors    []AsyncError `json:"errors,omitempty"`
}

// Pricing is the status webhook pricing object (§5.6).
type Pricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

// statusObject is statuses[] of a webhook (§2.7), fields in Meta's order.
type statusObject struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"`
	Timestamp   string       `json:"timestamp"`
	RecipientID string       `json:"recipient_id"`
	BizOpaque   string       `json:"biz_opaque_callback_data,omitempty"`
	Pricing     *Pricing     `json:"pricing,omitempty"`
	Errors      []AsyncError `json:"errors,omitempty"`
}

// pricingFor applies §5.6: non-template messages are free inside the
// window; utility templates too; everything else is billed by category.
func pricingFor(templateName string, windowOpen bool) *Pricing {
	if templateName == "" {
		return &Pricing{PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
	}
	return pricingForCategory(templateCategory(templateName), windowOpen)
}

// pricingForCategory prices a template send of a known category
// (lowercase: marketing, utility, authentication).
func pricingForCategory(category string, windowOpen bool) *Pricing {
	if category == "utility" && windowOpen {
		return &Pricing{PricingModel: "PMP", Type: "free_customer_service", Category: "utility"}
	}
	return &Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: category}
}

// templateCategory guesses the category from the name until the template
// registry exists: names with "utility" are utility, the rest marketing.
func templateCategory(name string) string {
	if strings.Contains(strings.ToLower(name), "utility") {
		return "utility"
	}
	return "marketing"
}

func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// emit records a status change and queues its webhook. Callers hold s.mu.
// keepState emits the webhook without moving the message's state, for the
// late "delivered" of an out-of-order pair.
func (s *Server) emit(ns *numberState, m *message, status string, keepState bool) {
	ev := StatusEvent{Status: status, Timestamp: unixString(s.now())}
	obj := statusObject{ID: m.wamid, Status: status, Timestamp: ev.Timestamp, RecipientID: m.waID, BizOpaque: m.bizOpaque}
	switch status {
	case "sent":
		obj.Pricing = m.pricing
	case "delivered", "read":
		if !m.priced && m.pricing != nil {
			obj.Pricing, m.priced = m.pricing, true
		}
	case "failed":
		obj.Errors = []AsyncError{*m.failWith}
		ev.Errors = obj.Errors
		m.errors = obj.Errors
	}
	if !keepState {
		m.status = status
	}
	m.history = append(m.history, ev)
	s.changed()
	raw, err := json.Marshal(obj)
	if err != nil {
		s.log.Error("meta sim: encode status", "err", err)
		return
	}
	s.hooks.enqueue(ns, &update{status: raw})
}

// launch starts the lifecycle of an accepted message. It runs after the
// send response is written, so the business usually learns the wamid
// before the first status webhook arrives (it must cope either way).
func (s *Server) launch(ns *numberState, m *message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || m.status != "accepted" {
		return
	}
	if m.failWith != nil {
		s.emit(ns, m, "failed", false)
		return
	}
	if s.failExpired(ns, m) {
		return // held (pacing) past its TTL: never sent
	}
	s.emit(ns, m, "sent", false)
	if m.typ == "reaction" {
		return // Meta only ever sends "sent" for reactions
	}
	if s.cfg.DeliveredAfter < 0 {
		s.deliverInTime(ns, m)
		return
	}
	s.sched.after(s.cfg.DeliveredAfter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.deliverInTime(ns, m)
	})
}

// deliverInTime delivers m unless its TTL ran out first, in which case
// it fails (§3.1). Callers hold s.mu.
func (s *Server) deliverInTime(ns *numberState, m *message) {
	if !s.closed && m.status == "sent" && s.failExpired(ns, m) {
		return
	}
	s.deliver(ns, m)
}

// deliver moves a sent message to delivered (callers hold s.mu). A message
// the customer already read stays read: states never go backwards.
func (s *Server) deliver(ns *numberState, m *message) {
	if s.closed || m.status != "sent" {
		return
	}
	switch m.orderFault {
	case "skip_delivered":
		s.emit(ns, m, "read", false)
		return
	case "out_of_order":
		s.emit(ns, m, "read", false)
		s.emit(ns, m, "delivered", true)
		return
	}
	s.emit(ns, m, "delivered", false)
	if !s.cfg.AutoRead {
		return
	}
	if s.cfg.ReadAfter < 0 {
		s.emit(ns, m, "read", false)
		return
	}
	s.scheduleAutoRead(ns, m)
}

// scheduleAutoRead has the customer read a delivered message after
// ReadAfter. Callers hold s.mu.
func (s *Server) scheduleAutoRead(ns *numberState, m *message) {
	s.sched.after(s.cfg.ReadAfter, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed && m.status == "delivered" {
			s.emit(ns, m, "read", false)
		}
	})
}

// customerRead marks target and every earlier unread business message to
// the same customer read, as opening the chat does on a phone. Callers
// hold s.mu. Unread means sent or delivered; reading a sent message skips
// delivered, as Meta does when both happen at once.
func (s *Server) customerRead(ns *numberState, target *message) {
	for _, m := range ns.threads[target.waID] {
		if !m.inbound && m.typ != "reaction" && (m.status == "sent" || m.status == "delivered") {
			s.emit(ns, m, "read", false)
		}
		if m == target {
			return
		}
	}
}
