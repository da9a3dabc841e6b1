package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// inboxCorpus is what seedInbox stored, for choosing requests.
type inboxCorpus struct {
	ws       int64
	numbers  []domain.Number
	agents   []int64  // user ids; agents[0] is the measuring client's
	sessions []string // a session token per agent
	convs    int      // conversations (and contacts) have ids 1..convs
	long     []int64  // the conversations with the most messages, longest first
	longest  int      // messages in long[0]
	rare     string   // a word in a handful of messages
	labels   map[string]int
}

// waID is contact i's number: a bijection of i (3^18 is coprime with
// 10^9), so numbers are unique and their digits look random.
func waID(i int) string {
	return fmt.Sprintf("%d%09d", 44+i%40, (int64(i)*387420489+12345)%1_000_000_000)
}

func contactName(i int) string {
	return inboxFirst[(i*7)%len(inboxFirst)] + " " + inboxLast[(i/len(inboxFirst)+i*3)%len(inboxLast)]
}

var (
	inboxCommon = strings.Fields(`thanks thank you hello hi ok okay yes no please the a to is my your for of and in on at it
		this that we can when what where how order delivery tomorrow today price payment invoice receipt refund
		address package parcel tracking number confirm confirmed cancel booking appointment time morning afternoon
		evening week monday friday available stock size colour color discount offer code link send sent received
		delivered delivering olá obrigado obrigada amanhã hoje pedido entrega preço pagamento gracias mañana hoy envío
		pago factura bonjour merci demain commande livraison danke morgen bestellung lieferung`)
	inboxPlaces = []string{"São Paulo", "Lisboa", "Zürich", "Kraków", "Málaga", "Québec", "Bogotá", "Montréal",
		"Curaçao", "Düsseldorf", "Reykjavík", "Córdoba", "Göteborg", "Nîmes", "Łódź", "Ankara", "Porto", "Lyon"}
	inboxFirst = []string{"João", "José", "Maria", "Zoë", "Ana", "Luís", "Chloé", "Jürgen", "Ingrid", "Aisha",
		"Mohammed", "Wei", "Priya", "Olga", "Noël", "Inês", "Søren", "Björn", "Amélie", "Carlos"}
	inboxLast = []string{"Silva", "Müller", "Núñez", "Dubois", "Smith", "Kowalski", "García", "Rossi", "Öztürk",
		"Andersson", "Nakamura", "Khan", "Ivanova", "Brennan", "Costa", "Fernández", "Lefèvre", "Schmidt"}
	// Labels and the share of conversations that carry each: vip is rare
	// (listed from its own index), billing common (checked along the list).
	inboxLabels = []struct {
		name  string
		share float64
	}{{"vip", 0.003}, {"billing", 0.15}, {"complaint", 0.03}, {"follow up", 0.08}, {"wholesale", 0.01}}
)

// texts makes message text: 3 to 27 words drawn from a Zipf-distributed
// vocabulary (common words, accented places, then 50,000 made-up words),
// sometimes an order number. Message j's text depends only on j.
type texts struct {
	vocab []string
	rare  string
	every int // the rare word is also put in every every-th message
}

func newTexts(messages int) *texts {
	rng := rand.New(rand.NewPCG(11, 11))
	syl := strings.Fields("ka lo mi ne ru sa te vo zi ba de fo gu hi ja ke li mo nu pa qui ro su ta vi xa yo ze")
	v := slices.Clone(inboxCommon)
	for _, p := range inboxPlaces {
		v = append(v, strings.Fields(p)...)
	}
	seen := map[string]bool{}
	for _, w := range v {
		seen[w] = true
	}
	for len(v) < 50_000 {
		var w strings.Builder
		for range 3 + rng.IntN(3) {
			w.WriteString(syl[rng.IntN(len(syl))])
		}
		if !seen[w.String()] {
			seen[w.String()] = true
			v = append(v, w.String())
		}
	}
	// A tail word: a few Zipf draws at a million messages, and put into
	// eight messages whatever the size, so it is always found.
	return &texts{vocab: v, rare: v[len(v)-1000], every: max(1, messages/8)}
}

func (t *texts) text(j int) string {
	rng := rand.New(rand.NewPCG(7, uint64(j)))
	zipf := rand.NewZipf(rng, 1.07, 2, uint64(len(t.vocab)-1))
	var b strings.Builder
	for w := range 3 + rng.IntN(25) {
		if w > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.vocab[zipf.Uint64()])
	}
	if rng.IntN(20) == 0 {
		fmt.Fprintf(&b, " order #%d", 10000+rng.IntN(90000))
	}
	if j%t.every == 3 {
		b.WriteString(" " + t.rare)
	}
	return b.String()
}

// planned is one message: when, in which conversation, which way.
type planned struct {
	ts      int64
	conv    int32
	inbound bool
}

// convStats is what a conversation's row says about its messages.
type convStats struct {
	count               int
	first, last, lastIn int64
	lastJ               int
	lastInbound         bool
}

// plan spreads messages over conversations: one each, the rest skewed (the
// cube of a uniform draw, so the busiest thread holds about 2% of them),
// at uniform times over 180 days, in time order so ids follow time.
func plan(conversations, messages int, now int64) []planned {
	rng := rand.New(rand.NewPCG(5, 5))
	perm := rng.Perm(conversations)
	span := int64(180 * 24 * time.Hour / time.Millisecond)
	out := make([]planned, messages)
	for j := range out {
		c := j
		if j >= conversations {
			u := rng.Float64()
			c = perm[int(float64(conversations)*u*u*u)]
		}
		out[j] = planned{ts: now - span + rng.Int64N(span), conv: int32(c), inbound: rng.IntN(100) < 55}
	}
	slices.SortFunc(out, func(a, b planned) int { return int(a.ts - b.ts) })
	return out
}
