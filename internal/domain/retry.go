package domain

import "fmt"

// RetryRefusal says why m cannot be retried (nil when it can): only a
// failed outbound message, and only once.
func RetryRefusal(m Message) error {
	switch {
	case m.RetriedBy != 0:
		return Errorf(CodeConflict, fmt.Sprintf("Follow the retry: GET /api/v1/messages/%d.", m.RetriedBy),
			"message %d was already retried as message %d", m.ID, m.RetriedBy)
	case m.Direction != Outbound:
		return Errorf(CodeConflict, "Only messages you sent can be retried.", "message %d is the customer's", m.ID)
	case m.Status != StatusFailed:
		return Errorf(CodeConflict, "Only failed messages can be retried; this one is "+string(m.Status)+". Wait for it to fail, or send a new message.",
			"message %d has not failed (it is %s)", m.ID, m.Status)
	}
	return nil
}
