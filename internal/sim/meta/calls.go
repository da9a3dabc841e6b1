package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// callContent is what a control request may say about a simulated call.
type callContent struct {
	Status   string `json:"status"`   // COMPLETED (default) or FAILED (missed)
	Duration int    `json:"duration"` // seconds; 0 for a missed call
}

// injectCall simulates a customer calling the business: a "calls" webhook
// with the connect event, then one with the terminate event. A
// user-initiated call opens (or refreshes) the customer-service window
// like a message does (§5.5), answered or not.
func (s *Server) injectCall(ctx context.Context, in Inbound, from string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var cc callContent
	if len(in.Content) > 0 && strings.TrimSpace(string(in.Content)) != "null" {
		if err := json.Unmarshal(in.Content, &cc); err != nil {
			return "", fmt.Errorf("%w: call content: %v", ErrInvalidInbound, err)
		}
	}
	switch cc.Status = strings.ToUpper(cc.Status); cc.Status {
	case "":
		cc.Status = "COMPLETED"
	case "COMPLETED", "FAILED":
	default:
		return "", fmt.Errorf("%w: call status must be COMPLETED or FAILED, got %q", ErrInvalidInbound, cc.Status)
	}
	if cc.Duration < 0 || cc.Duration > 24*3600 {
		return "", fmt.Errorf("%w: call duration must be 0..86400 seconds", ErrInvalidInbound)
	}
	if cc.Status == "FAILED" {
		cc.Duration = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[in.PhoneNumberID]
	if ns == nil {
		return "", fmt.Errorf("%w: unknown phone_number_id %q", ErrInvalidInbound, in.PhoneNumberID)
	}
	start := in.Timestamp
	if start.IsZero() {
		start = s.now()
	}
	end := start.Add(time.Duration(cc.Duration) * time.Second)
	key := pairKey{ns.PhoneNumberID, from}
	name := in.Name
	if name == "" {
		name = s.names[key]
	}
	if name == "" {
		name = "WhatsApp User"
	}
	s.names[key] = name
	callID := "wacid." + strings.TrimPrefix(newWamid(from), "wamid.")
	meta := metadata{DisplayPhoneNumber: ns.DisplayPhoneNumber, PhoneNumberID: ns.PhoneNumberID}
	c := contact{WaID: from}
	c.Profile.Name = name
	business, _ := digitsOnly(ns.DisplayPhoneNumber)
	connect := map[string]any{
		"id": callID, "from": from, "to": business, "event": "connect", "timestamp": unixString(start),
		"direction": "USER_INITIATED", "session": map[string]string{"sdp_type": "offer", "sdp": "v=0\r\n"},
	}
	terminate := map[string]any{
		"id": callID, "from": from, "to": business, "event": "terminate", "timestamp": unixString(end),
		"direction": "USER_INITIATED", "status": cc.Status,
	}
	if cc.Status == "COMPLETED" {
		terminate["start_time"], terminate["end_time"], terminate["duration"] = unixString(start), unixString(end), cc.Duration
	}
	if prev, ok := s.windows[key]; !ok || start.After(prev) {
		s.windows[key] = start
	}
	s.changed()
	if !s.closed {
		for _, call := range []map[string]any{connect, terminate} {
			s.emitField(ns, "calls", map[string]any{
				"messaging_product": "whatsapp", "metadata": meta, "contacts": []contact{c}, "calls": []any{call},
			})
		}
	}
	return callID, nil
}
