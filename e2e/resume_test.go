package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestSSEResumeAcrossNodes: an agent's browser loses its connection to
// node A; while it is away customers write; it reconnects through the load
// balancer to node B with Last-Event-ID and gets exactly what it missed,
// once and in order, then live events. An id whose events have expired
// gets a resync instead.
func TestSSEResumeAcrossNodes(t *testing.T) {
	t.Parallel()
	dbURL := storetest.NewSchema(t)
	secret := randomSecret(t)
	key := strings.TrimSpace(mustRun(t, nil, "secret"))
	sim := startSim(t, secret)
	env := append(productionEnv(sim, secret), "GOHAVI_DATABASE_URL="+dbURL, "GOHAVI_SECRET_KEY="+key,
		"GOHAVI_DATA_DIR="+t.TempDir())
	nodeA, nodeB := launchServer(t, "node A", env...), launchServer(t, "node B", env...)
	nodeA.await(t)
	nodeB.await(t)
	sim.setWebhook(t, nodeA.URL+"/webhooks/whatsapp")
	apiKey := createAPIKey(t, env)
	a, b := api{base: nodeA.URL, key: apiKey}, api{base: nodeB.URL, key: apiKey}
	var n number
	a.do(t, "POST", "/api/v1/whatsapp/numbers", map[string]string{"waba_id": sim.Number.WABAID,
		"phone_number_id": sim.Number.PhoneNumberID, "access_token": sim.Number.AccessToken}, http.StatusCreated, &n)

	r := resumeCase{sim: sim.ctl, phoneID: sim.Number.PhoneNumberID, away: a, back: b, ref: b.events(t, "reference on B")}
	cursor := r.run(t)

	// Expiry deletes the oldest rows; do what it would after an hour.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM realtime_events WHERE id <= $1", cursor); err != nil {
		t.Fatal(err)
	}
	stale := strconv.FormatInt(cursor-1, 10)
	s := b.resume(t, "expired", stale)
	ev, err := s.wait(waitTimeout, func(e event) bool { return e.Type != "comment" })
	if err != nil || ev.Type != "resync" {
		t.Fatalf("resuming from expired id %s: first event %+v (%v), want resync\n%s", stale, ev, err, s.dump())
	}
}

// TestSSEResumeSingleNode: the same on one SQLite node, whose memory hub
// keeps the last minutes; an id from before the process started (or
// older than that history) gets a resync.
func TestSSEResumeSingleNode(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t)
	r := resumeCase{sim: sb.sim, phoneID: sb.num.PhoneNumberID, away: sb.a, back: sb.a, ref: sb.a.events(t, "reference")}
	r.run(t)
	s := sb.a.resume(t, "expired", "1")
	ev, err := s.wait(waitTimeout, func(e event) bool { return e.Type != "comment" })
	if err != nil || ev.Type != "resync" {
		t.Fatalf("resuming from id 1: first event %+v (%v), want resync", ev, err)
	}
}

type resumeCase struct {
	sim        simCtl
	phoneID    string
	away, back api     // where the client was, and where it reconnects
	ref        *stream // a client connected all along to back
}

// run returns the cursor the client left with.
func (rc resumeCase) run(t *testing.T) int64 {
	t.Helper()
	textFrom := func(i int) string {
		waID := fmt.Sprintf("4477009002%02d", i)
		return rc.sim.text(t, rc.phoneID, waID, "Customer "+waID, fmt.Sprintf("message %d", i))
	}
	created := func(s *stream, wamid string) {
		t.Helper()
		s.message(t, "message "+wamid, "message.created", func(m message) bool { return m.WAMID == wamid })
	}

	client := rc.away.events(t, "client")
	first := textFrom(0)
	created(client, first)
	created(rc.ref, first)
	client.close()
	cursor := client.lastID()
	got := nonComments(client.snapshot())
	if len(after(t, got, cursor)) != 0 {
		t.Fatalf("cursor %q is behind the events received:\n%s", cursor, client.dump())
	}

	var missed []string
	for i := 1; i <= 3; i++ {
		missed = append(missed, textFrom(i))
	}
	for _, w := range missed {
		created(rc.ref, w)
	}

	back := rc.back.resume(t, "client, back", cursor)
	for _, w := range missed {
		created(back, w)
	}
	live := textFrom(4)
	created(back, live)
	created(rc.ref, live)

	// What came back is, event for event, what the reference saw after
	// the cursor, up to the live message: nothing twice, nothing skipped.
	all := nonComments(rc.ref.snapshot())
	want := after(t, all, cursor)
	resumed := nonComments(back.snapshot())
	end := indexOfCreated(t, want, live)
	if len(resumed) <= end {
		t.Fatalf("resumed %d events, want at least %d:\n%s", len(resumed), end+1, back.dump())
	}
	for i := range end + 1 {
		if resumed[i] != want[i] {
			t.Fatalf("resumed event %d = %s %s, want %s %s\nresumed:\n%s\nreference:\n%s",
				i, resumed[i].ID, resumed[i].Type, want[i].ID, want[i].Type, back.dump(), rc.ref.dump())
		}
	}
	// Before leaving, the client saw what the reference (connected
	// earlier) saw up to the cursor.
	before := all[:len(all)-len(want)]
	if len(before) < len(got) || fmt.Sprint(before[len(before)-len(got):]) != fmt.Sprint(got) {
		t.Fatalf("the client's events before leaving differ from the reference's:\n%s\nreference:\n%s", client.dump(), rc.ref.dump())
	}
	t.Logf("left at %s after %d events; back with %d missed and live events", cursor, len(got), end+1)
	c, _ := strconv.ParseInt(cursor, 10, 64)
	return c
}

func nonComments(evs []event) []event {
	var out []event
	for _, e := range evs {
		if e.Type != "comment" {
			out = append(out, e)
		}
	}
	return out
}

// after keeps the events with ids above cursor; ids must increase.
func after(t *testing.T, evs []event, cursor string) []event {
	t.Helper()
	c, _ := strconv.ParseInt(cursor, 10, 64)
	var out []event
	prev := int64(0)
	for _, e := range evs {
		id, err := strconv.ParseInt(e.ID, 10, 64)
		if err != nil || id <= prev {
			t.Fatalf("event ids out of order: %q after %d", e.ID, prev)
		}
		prev = id
		if id > c {
			out = append(out, e)
		}
	}
	return out
}

func indexOfCreated(t *testing.T, evs []event, wamid string) int {
	t.Helper()
	for i, e := range evs {
		var m message
		if e.Type == "message.created" && json.Unmarshal([]byte(e.Data), &m) == nil && m.WAMID == wamid {
			return i
		}
	}
	t.Fatalf("no message.created for %s", wamid)
	return -1
}
