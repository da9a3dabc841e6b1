package policy

import "time"

// Meta's pair rate: one message per 6 seconds from a business number to
// the same customer, with bursts up to 45 that borrow future quota. The
// sender keeps a token bucket per (number, customer) so it waits its turn
// instead of collecting 131056 errors.
const (
	PairInterval = 6 * time.Second
	PairBurst    = 45
)

// PairBucket is one (number, customer) bucket: tokens as of At.
type PairBucket struct {
	Tokens float64
	At     time.Time
}

// Take spends one token at now. It returns the bucket to store and, when
// no token is left, how long to wait before trying again (and the bucket
// unchanged but refilled).
func (b PairBucket) Take(now time.Time) (PairBucket, time.Duration) {
	if b.At.IsZero() {
		b = PairBucket{Tokens: PairBurst, At: now}
	}
	if elapsed := now.Sub(b.At); elapsed > 0 {
		b.Tokens = min(PairBurst, b.Tokens+float64(elapsed)/float64(PairInterval))
		b.At = now
	}
	if b.Tokens >= 1 {
		b.Tokens--
		return b, 0
	}
	return b, time.Duration((1 - b.Tokens) * float64(PairInterval))
}
