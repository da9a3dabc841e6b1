package meta

import (
	"fmt"
	"testing"
	"time"
)

func templateTo(to string) string {
	return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
}

func TestThroughput130429(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now, Throughput: 5})
	for i := range 5 {
		e.sendOK(t, templateTo(fmt.Sprintf("1650555%04d", i)))
	}
	code, out := e.send(t, templateTo("16505559999"))
	if code != 400 || errCode(out) != 130429 {
		t.Fatalf("sixth send in the same second: %d %v", code, out)
	}
	if d := errDetails(out); d != "Cloud API message throughput has been reached." {
		t.Errorf("details %q", d)
	}
	clock.Advance(200 * time.Millisecond) // one token back at 5 mps
	e.sendOK(t, templateTo("16505559999"))
	if code, _ := e.send(t, templateTo("16505559998")); code != 400 {
		t.Error("the bucket refills at the configured rate, not all at once")
	}
	clock.Advance(time.Second)
	e.sendOK(t, templateTo("16505559998"))
	if n := len(e.sim.Sent(e.num.PhoneNumberID)); n != 7 {
		t.Errorf("rejected sends are not recorded: %d", n)
	}
}

func TestPairRate131056(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	for range 45 {
		e.sendOK(t, templateTo(customer))
		clock.Advance(10 * time.Millisecond) // stay under 80 mps: only the pair rate may trip
	}
	code, out := e.send(t, templateTo(customer))
	if code != 400 || errCode(out) != 131056 {
		t.Fatalf("46th send in the burst: %d %v", code, out)
	}
	e.sendOK(t, templateTo("16505550000")) // another customer is unaffected
	clock.Advance(6 * time.Second)
	e.sendOK(t, templateTo(customer))
	if code, out := e.send(t, templateTo(customer)); code != 400 || errCode(out) != 131056 {
		t.Fatalf("one message per 6 s after the burst: %d %v", code, out)
	}
}
