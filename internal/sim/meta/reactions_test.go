package meta

import (
	"testing"
	"time"
)

// TestReactionToWhatCannotTakeOne: Meta accepts the send, then fails it
// with 131009 when the target is not in the chat, is a reaction, or is
// older than 30 days (§3.5).
func TestReactionToWhatCannotTakeOne(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	old := e.inject(t, Inbound{From: customer, Text: "long ago"})
	clock.Advance(31 * 24 * time.Hour)
	in := e.inject(t, Inbound{From: customer, Text: "hi"})
	react := func(target string) string {
		return e.sendOK(t, `{"messaging_product":"whatsapp","to":"`+customer+`","type":"reaction","reaction":{"message_id":"`+target+`","emoji":"👍"}}`)
	}
	ok := react(in)
	for name, wamid := range map[string]string{"unknown": react("wamid.nothing"), "a reaction": react(ok), "too old": react(old)} {
		waitFor(t, name+" failed", func() bool { return len(e.rc.statusesOf(wamid)) == 1 })
		st := e.rc.statusesOf(wamid)[0]
		errs, _ := st["errors"].([]any)
		if st["status"] != "failed" || len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(131009) {
			t.Errorf("%s: %v", name, st)
		}
	}
	waitFor(t, "the good one sent", func() bool { return len(e.rc.statusesOf(ok)) == 1 })
	if got := statusNames(e.rc.statusesOf(ok)); got != "sent" {
		t.Errorf("reaction to a fresh message: %s", got)
	}
}
