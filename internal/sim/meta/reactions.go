package meta

import "time"

// reactionMaxAge is how old a message may be and still take a reaction
// (§3.5: older ones are in long-term storage).
const reactionMaxAge = 30 * 24 * time.Hour

// reactionFailure is the later failure Meta reports for a reaction it
// accepted but cannot apply (§3.5): its target is unknown in this chat,
// older than 30 days, or itself a reaction. nil for other sends. Callers
// hold s.mu.
func reactionFailure(ns *numberState, req *sendRequest, waID string, now time.Time) *AsyncError {
	if req.typ != "reaction" {
		return nil
	}
	o, _ := req.object.(map[string]any)
	id, _ := o["message_id"].(string)
	target := ns.byID[id]
	var why string
	switch {
	case target == nil || target.waID != waID:
		why = "the message reacted to is not in this chat"
	case target.typ == "reaction":
		why = "a reaction cannot be reacted to"
	case now.Sub(target.at) > reactionMaxAge:
		why = "the message reacted to is older than 30 days"
	default:
		return nil
	}
	e := asyncError(131009, "Param reaction['message_id'] is invalid: "+why)
	return &e
}
