package realtime

import (
	"cmp"
	"slices"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// sequencer puts the rows a Postgres node fetches back into id order.
//
// BIGSERIAL ids are taken at INSERT but become visible at COMMIT, so with
// concurrent publishers id 10 can commit after id 11. Delivering 11 first
// would break resumption: a client whose last id is 11 would never be
// replayed 10, and one that had 10 and 11 could not say which. So the node
// holds 11 back while 10 is missing and delivers strictly in id order; the
// Since bound (fanout head) then never passes an id that can still appear.
//
// A missing id is usually a transaction a few milliseconds from its commit,
// and its NOTIFY ends the wait. But an id can also be gone for good (the
// INSERT failed or was cancelled after taking it, or the sequence skipped
// ahead after a crash), so after lag the sequencer gives up on it and moves
// on. Publishes are single autocommit statements, so lag (seconds) is far
// beyond a normal commit. A given-up id that still commits ("very late") is
// delivered out of order, once; the SSE handler turns it into a re-sync for
// connected clients. A client that was disconnected at that moment and had
// already passed it misses it: the one gap left, for a commit stalled longer
// than lag, which we accept rather than delay every event by more.
type sequencer struct {
	lag     time.Duration
	settled int64 // every id <= settled was emitted or given up
	high    int64 // greatest id fetched; fetches ask for id > high
	pending []pendingEvent
	givenUp *idSet
}

type pendingEvent struct {
	seq int64
	at  time.Time // when fetched: a gap below it has existed since then
	ev  domain.Event
}

func newSequencer(start int64, lag time.Duration) *sequencer {
	return &sequencer{lag: lag, settled: start, high: start, givenUp: newIDSet(givenUpCapacity)}
}

// givenUpCapacity bounds the ids a very late commit is still recognised by.
const givenUpCapacity = 4096

// add takes one fetched row. An id next in line is emitted at once when
// nothing waits; others wait in pending for flush.
func (s *sequencer) add(seq int64, ev domain.Event, now time.Time, emit func(domain.Event, int64)) {
	if seq <= s.settled {
		if s.givenUp.remove(seq) {
			emit(ev, seq) // very late: after its successors
		}
		return // already emitted: the notified row was swept up earlier
	}
	s.high = max(s.high, seq)
	if seq == s.settled+1 && len(s.pending) == 0 {
		s.settled = seq
		emit(ev, seq)
		return
	}
	i, found := slices.BinarySearchFunc(s.pending, seq, bySeq)
	if !found {
		s.pending = slices.Insert(s.pending, i, pendingEvent{seq: seq, at: now, ev: ev})
	}
}

// flush emits pending events that are next in line, giving up on gaps that
// are older than lag.
func (s *sequencer) flush(now time.Time, emit func(domain.Event, int64)) {
	k := 0
	for ; k < len(s.pending); k++ {
		p := s.pending[k]
		if p.seq != s.settled+1 {
			if now.Sub(p.at) < s.lag {
				break
			}
			s.giveUp(s.settled+1, p.seq-1)
		}
		s.settled = p.seq
		emit(p.ev, p.seq)
	}
	if k > 0 {
		n := copy(s.pending, s.pending[k:])
		clear(s.pending[n:])
		s.pending = s.pending[:n]
	}
}

func (s *sequencer) giveUp(from, to int64) {
	from = max(from, to-givenUpCapacity+1) // a sequence jump must not loop for long
	for id := from; id <= to; id++ {
		s.givenUp.add(id)
	}
}

// deadline is when flush will give up on the oldest gap; zero if none.
func (s *sequencer) deadline() time.Time {
	if len(s.pending) == 0 {
		return time.Time{}
	}
	return s.pending[0].at.Add(s.lag)
}

// known reports whether fetching id would add nothing.
func (s *sequencer) known(id int64) bool {
	if id <= s.settled {
		return !s.givenUp.has(id)
	}
	_, found := slices.BinarySearchFunc(s.pending, id, bySeq)
	return found
}

func bySeq(p pendingEvent, seq int64) int { return cmp.Compare(p.seq, seq) }

// gaps appends to dst the missing ids between settled and high, at most
// limit of them, so a fetch can look for rows whose NOTIFY was lost.
func (s *sequencer) gaps(dst []int64, limit int) []int64 {
	next := s.settled + 1
	for _, p := range s.pending {
		for ; next < p.seq && len(dst) < limit; next++ {
			dst = append(dst, next)
		}
		next = p.seq + 1
	}
	return dst
}

// reset forgets everything and continues after start.
func (s *sequencer) reset(start int64) {
	clear(s.pending)
	s.pending = s.pending[:0]
	s.settled, s.high = start, start
	s.givenUp = newIDSet(givenUpCapacity)
}

// idSet is a set of at most max ids; beyond that the oldest added is
// forgotten.
type idSet struct {
	ids  map[int64]struct{}
	ring []int64
	next int
}

func newIDSet(max int) *idSet {
	return &idSet{ids: make(map[int64]struct{}), ring: make([]int64, 0, max)}
}

func (s *idSet) add(id int64) {
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % len(s.ring)
	}
	s.ids[id] = struct{}{}
}

func (s *idSet) has(id int64) bool {
	_, ok := s.ids[id]
	return ok
}

// remove leaves id in the ring; evicting it later deletes nothing.
func (s *idSet) remove(id int64) bool {
	if !s.has(id) {
		return false
	}
	delete(s.ids, id)
	return true
}

func (s *idSet) list() []int64 {
	out := make([]int64, 0, len(s.ids))
	for id := range s.ids {
		out = append(out, id)
	}
	return out
}
