package realtime

import (
	"sort"

	"github.com/gohavi/gohavi/internal/domain"
)

// history is one workspace's recent events on the memory hub, oldest
// first, kept so a client that reconnects can replay what it missed. It is
// a ring that grows by doubling up to the count bound and then overwrites
// its oldest entry, so a publish never moves the others; it starts empty,
// because most workspaces never come near the bound.
type history struct {
	// floor is the newest id dropped from this history (or the hub's
	// start): a client that has it lost nothing, one behind it may have.
	floor int64
	ring  []stamped
	head  int // index of the oldest event
	n     int
}

type stamped struct {
	seq int64
	at  int64 // nanoseconds on the hub's clock when published
	ev  domain.Event
}

func (h *history) slot(i int) *stamped {
	i += h.head
	if i >= len(h.ring) {
		i -= len(h.ring)
	}
	return &h.ring[i]
}

// push appends e, dropping the oldest event if maxLen are kept already.
func (h *history) push(e stamped, maxLen int) {
	if h.n == len(h.ring) {
		if h.n < maxLen {
			grown := make([]stamped, min(max(2*h.n, 16), maxLen))
			for i := range h.n {
				grown[i] = *h.slot(i)
			}
			h.ring, h.head = grown, 0
		} else if h.n > 0 {
			h.drop()
		}
	}
	if len(h.ring) == 0 { // maxLen < 1: keep nothing
		h.floor = e.seq
		return
	}
	*h.slot(h.n) = e
	h.n++
}

func (h *history) drop() {
	old := h.slot(0)
	h.floor = old.seq
	*old = stamped{} // let the payload be collected
	h.head++
	if h.head == len(h.ring) {
		h.head = 0
	}
	h.n--
}

// trim drops events beyond maxLen or published before cutoff.
func (h *history) trim(maxLen int, cutoff int64) {
	for h.n > 0 && (h.n > maxLen || h.slot(0).at < cutoff) {
		h.drop()
	}
	if h.n == 0 && h.ring != nil {
		// A workspace gone quiet gives its whole buffer back.
		h.ring, h.head = nil, 0
	}
}

// since copies up to limit retained events with ids above afterID.
func (h *history) since(afterID int64, limit int) []domain.Event {
	i := sort.Search(h.n, func(i int) bool { return h.slot(i).seq > afterID })
	n := min(h.n-i, limit)
	if n <= 0 {
		return nil
	}
	out := make([]domain.Event, n)
	for j := range out {
		out[j] = h.slot(i + j).ev
	}
	return out
}
