package whatsapp

import (
	"encoding/json"
	"strings"
)

// FieldCalls carries the Calling API's call events.
const FieldCalls = "calls"

// CallsValue is the value of a "calls" change.
type CallsValue struct {
	MessagingProduct string    `json:"messaging_product"`
	Metadata         Metadata  `json:"metadata"`
	Contacts         []Contact `json:"contacts"`
	Calls            []Call    `json:"calls"`
}

// Call is one call event: "connect" when it starts ringing, "terminate"
// when it ends (Status COMPLETED or FAILED).
type Call struct {
	ID        string `json:"id"` // wacid.…, the same for both events of a call
	From      string `json:"from"`
	To        string `json:"to"`
	Event     string `json:"event"`
	Direction string `json:"direction"` // USER_INITIATED or BUSINESS_INITIATED
	Timestamp string `json:"timestamp"`
	Status    string `json:"status"`
	Duration  int64  `json:"duration"`
}

// UnmarshalJSON accepts the ids, timestamp and duration as strings or numbers.
func (c *Call) UnmarshalJSON(b []byte) error {
	type alias Call
	var aux struct {
		*alias
		From      flexString `json:"from"`
		To        flexString `json:"to"`
		Timestamp flexString `json:"timestamp"`
		Duration  flexInt    `json:"duration"`
	}
	aux.alias = (*alias)(c)
	err := json.Unmarshal(b, &aux)
	c.From, c.To, c.Timestamp, c.Duration = string(aux.From), string(aux.To), string(aux.Timestamp), int64(aux.Duration)
	return tolerate(err)
}

// FromCustomer reports whether the customer placed the call. Such a call
// opens the customer-service window like a message (§5.5); a call the
// business placed does not.
func (c Call) FromCustomer() bool { return strings.EqualFold(c.Direction, "USER_INITIATED") }

// AsInbound presents a customer's call as an inbound message of type
// "call", keyed by the call id, so it lands in the conversation once and
// refreshes the window through the same path as a message.
func (c Call) AsInbound() InboundMessage {
	raw, _ := json.Marshal(map[string]Call{"call": c})
	return InboundMessage{From: c.From, ID: c.ID, Timestamp: c.Timestamp, Type: "call", Raw: raw}
}

// DecodeCalls decodes a calls value.
func (c Change) DecodeCalls() (CallsValue, error) { return decodeAs[CallsValue](c) }
