package realtime

// seenSet remembers which event ids this node already delivered, so an id
// that arrives twice (notification plus catch-up query, or a late commit) is
// fanned out exactly once. Memory is bounded: beyond max entries the oldest
// delivered id is forgotten and folded into floor, below which everything
// counts as seen.
type seenSet struct {
	floor int64 // every id <= floor counts as seen
	last  int64 // highest id seen; fetches ask for id > last
	ids   map[int64]struct{}
	ring  []int64 // ids in delivery order, for eviction
	head  int
	n     int
}

func newSeenSet(start int64, max int) *seenSet {
	return &seenSet{
		floor: start,
		last:  start,
		ids:   make(map[int64]struct{}, max),
		ring:  make([]int64, max),
	}
}

func (s *seenSet) has(id int64) bool {
	if id <= s.floor {
		return true
	}
	_, ok := s.ids[id]
	return ok
}

// add records id and reports whether it is new, i.e. must be delivered.
func (s *seenSet) add(id int64) bool {
	if s.has(id) {
		return false
	}
	if s.n == len(s.ring) {
		old := s.ring[s.head]
		delete(s.ids, old)
		s.floor = max(s.floor, old)
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	s.ring[(s.head+s.n)%len(s.ring)] = id
	s.n++
	s.ids[id] = struct{}{}
	s.last = max(s.last, id)
	return true
}

// unseen filters ids down to those not yet delivered.
func (s *seenSet) unseen(ids []int64) []int64 {
	out := ids[:0]
	for _, id := range ids {
		if !s.has(id) {
			out = append(out, id)
		}
	}
	return out
}
