package realtime

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// fakeClock is an injected clock: tests move it instead of sleeping.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func ids(evs []domain.Event) []string {
	out := []string{}
	for _, ev := range evs {
		out = append(out, ev.ID)
	}
	return out
}

func since(t *testing.T, h Hub, ws int64, after string, max int) ([]domain.Event, bool) {
	t.Helper()
	id, err := strconv.ParseInt(after, 10, 64) // 0 too: the start of an empty table
	if err != nil {
		t.Fatal(err)
	}
	evs, complete, err := h.Since(context.Background(), ws, id, max)
	if err != nil {
		t.Fatal(err)
	}
	return evs, complete
}

func wantSince(t *testing.T, h Hub, ws int64, after string, max int, want []domain.Event) {
	t.Helper()
	got, complete := since(t, h, ws, after, max)
	if !complete {
		t.Fatalf("Since(%d, %s): incomplete, want %v", ws, after, ids(want))
	}
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("Since(%d, %s) = %v, want %v", ws, after, ids(got), ids(want))
	}
	sameEvents(t, "since", got, want)
}

func wantLost(t *testing.T, h Hub, ws int64, after int64) {
	t.Helper()
	evs, complete, err := h.Since(context.Background(), ws, after, 100)
	if err != nil || complete || len(evs) != 0 {
		t.Fatalf("Since(%d, %d) = %v complete=%v err=%v, want incomplete", ws, after, ids(evs), complete, err)
	}
}

func TestMemorySince(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	sub := h.Subscribe(1)
	start := sub.Start()
	var ws1 []domain.Event
	for i := range 6 {
		ws1 = append(ws1, publish(t, h, 1, fmt.Appendf(nil, `{"n":%d}`, i)))
		publish(t, h, 2, nil)
	}
	if first := mustParse(t, ws1[0].ID); first != start+1 {
		t.Fatalf("first id %d, subscription start %d", first, start)
	}
	wantSince(t, h, 1, FormatID(start), 100, ws1)
	wantSince(t, h, 1, ws1[1].ID, 100, ws1[2:])
	wantSince(t, h, 1, ws1[1].ID, 2, ws1[2:4])
	wantSince(t, h, 1, ws1[5].ID, 100, nil)
	wantSince(t, h, 3, ws1[5].ID, 100, nil) // a workspace with no events lost none
	wantLost(t, h, 1, start-1)              // before this hub: an id from before a restart
	wantLost(t, h, 3, start-1)
	last := publish(t, h, 2, nil)
	wantLost(t, h, 1, mustParse(t, last.ID)+1) // never issued
}

func TestMemoryHistoryBounds(t *testing.T) {
	clock := newFakeClock()
	h := NewMemory()
	defer h.Close()
	h.HistoryAge, h.HistoryLen, h.Now = time.Minute, 3, clock.now

	a, b := publish(t, h, 1, nil), publish(t, h, 1, nil)
	quiet := publish(t, h, 2, nil)
	clock.advance(59 * time.Second)
	c := publish(t, h, 1, nil)
	wantSince(t, h, 1, a.ID, 10, []domain.Event{b, c})

	clock.advance(2 * time.Second) // a and b are now older than a minute
	wantLost(t, h, 1, mustParse(t, a.ID))
	wantSince(t, h, 1, b.ID, 10, []domain.Event{c}) // b was seen: nothing lost

	d, e, f := publish(t, h, 1, nil), publish(t, h, 1, nil), publish(t, h, 1, nil)
	wantLost(t, h, 1, mustParse(t, b.ID)) // c dropped by count
	wantSince(t, h, 1, c.ID, 10, []domain.Event{d, e, f})

	// Workspace 2 published nothing since; the sweep on ws 1's publish freed
	// its history but remembers that quiet's id was the last one dropped.
	if got := h.hist[2]; got.ring != nil || got.n != 0 || got.floor != mustParse(t, quiet.ID) {
		t.Fatalf("quiet workspace history: %d events, floor %d", got.n, got.floor)
	}
	wantSince(t, h, 2, quiet.ID, 10, nil)
	wantLost(t, h, 2, mustParse(t, quiet.ID)-1)
}

// The ring grows to the count bound and then wraps; Since reads across the
// wrap, and the ring empties and refills after an age-out.
func TestMemoryHistoryRing(t *testing.T) {
	clock := newFakeClock()
	h := NewMemory()
	defer h.Close()
	h.HistoryLen, h.Now = 37, clock.now
	var all []domain.Event
	for i := range 100 {
		all = append(all, publish(t, h, 1, nil))
		tail := all[max(0, len(all)-37):]
		wantSince(t, h, 1, FormatID(mustParse(t, tail[0].ID)-1), 100, tail)
		wantSince(t, h, 1, tail[len(tail)/2].ID, 5, tail[len(tail)/2+1:][:min(5, len(tail)-len(tail)/2-1)])
		if r := h.hist[1]; r.n != len(tail) || len(r.ring) > 37 {
			t.Fatalf("after %d: %d kept in a ring of %d", i+1, r.n, len(r.ring))
		}
	}
	clock.advance(h.HistoryAge + time.Second)
	wantSince(t, h, 1, lastID(all), 10, nil)
	if h.hist[1].ring != nil {
		t.Fatal("an aged-out history keeps its buffer")
	}
	next := publish(t, h, 1, nil)
	wantSince(t, h, 1, lastID(all), 10, []domain.Event{next})
}

func lastID(evs []domain.Event) string { return evs[len(evs)-1].ID }

// The seam a resuming client relies on: subscribe, then replay Since(after),
// then live events; together they hold every event once.
func TestMemorySubscribeThenSinceSeam(t *testing.T) {
	h := NewMemory()
	defer h.Close()
	before := publish(t, h, 1, nil)
	missed := []domain.Event{publish(t, h, 1, nil), publish(t, h, 1, nil)}
	sub := h.Subscribe(1)
	if sub.Start() != mustParse(t, missed[1].ID) {
		t.Fatalf("start %d after %s", sub.Start(), missed[1].ID)
	}
	wantSince(t, h, 1, before.ID, 100, missed)
	live := publish(t, h, 1, nil)
	sameEvents(t, "live", recvN(t, sub, 1, time.Second), []domain.Event{live})
}

func TestSequencer(t *testing.T) {
	const lag = time.Second
	clock := newFakeClock()
	var got []int64
	emit := func(ev domain.Event, seq int64) {
		if ev.ID != FormatID(seq) {
			t.Fatalf("emitted %s as %d", ev.ID, seq)
		}
		got = append(got, seq)
	}
	s := newSequencer(10, lag)
	feed := func(seqs ...int64) {
		for _, seq := range seqs {
			s.add(seq, domain.Event{ID: FormatID(seq)}, clock.now(), emit)
		}
		s.flush(clock.now(), emit)
	}
	expect := func(want ...int64) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("emitted %v, want %v", got, want)
		}
		got = nil
	}

	feed(11, 12, 9, 10)
	expect(11, 12) // in order at once; old ids are not news

	feed(14) // 13 not committed yet: hold 14 back
	expect()
	if d := s.deadline(); !d.Equal(clock.now().Add(lag)) {
		t.Fatalf("deadline %v", d)
	}
	if g := s.gaps(nil, 10); !slices.Equal(g, []int64{13}) {
		t.Fatalf("gaps %v", g)
	}
	feed(14, 13) // the late commit arrives; 14 again is a duplicate
	expect(13, 14)

	feed(17, 19) // 15, 16 and 18 missing
	if g := s.gaps(nil, 10); !slices.Equal(g, []int64{15, 16, 18}) {
		t.Fatalf("gaps %v", g)
	}
	if !s.known(17) || s.known(16) || !s.known(14) || s.known(20) {
		t.Fatal("known")
	}
	clock.advance(lag - time.Millisecond)
	feed()
	expect()
	clock.advance(time.Millisecond)
	feed() // gave up on 15, 16 and then 18 (held as long as 19 waited)
	expect(17, 19)
	if s.settled != 19 || s.high != 19 || len(s.pending) != 0 || !s.deadline().IsZero() {
		t.Fatalf("settled %d high %d pending %d", s.settled, s.high, len(s.pending))
	}
	if !s.known(17) || s.known(16) {
		t.Fatal("given-up ids must stay wanted")
	}
	feed(16, 16, 20, 15) // very late commits: delivered once each, out of order
	expect(16, 20, 15)
	feed(16, 15)
	expect()

	s.reset(100)
	feed(50, 101)
	expect(101)
}

func TestIDSetEvicts(t *testing.T) {
	s := newIDSet(3)
	for id := range int64(5) {
		s.add(id)
	}
	if s.has(0) || s.has(1) || !s.has(2) || !s.has(4) {
		t.Fatalf("set %v", s.list())
	}
	if !s.remove(3) || s.remove(3) || s.has(3) {
		t.Fatal("remove")
	}
	s.add(5) // evicts 2
	s.add(6) // evicts the removed 3: nothing to delete
	if got := s.list(); len(got) != 3 || !s.has(4) || !s.has(5) || !s.has(6) {
		t.Fatalf("set %v", got)
	}
}
