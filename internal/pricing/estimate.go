package pricing

import "math"

// Estimate accumulates a cost; Add per recipient, then Total. It is not
// safe for concurrent use.
type Estimate struct {
	t        *Table
	byMarket map[string]*tally
}

// tally counts the messages of one market by what they are charged.
type tally struct {
	marketing, utility, authentication int
	free                               int // utility templates inside an open window
}

// MarketCost is what the messages to one market add up to.
type MarketCost struct {
	Messages int     `json:"messages"`
	Amount   float64 `json:"amount"`
}

// NewEstimate starts an empty estimate priced with t.
func (t *Table) NewEstimate() *Estimate {
	return &Estimate{t: t, byMarket: make(map[string]*tally)}
}

// Add counts one template of category delivered to e164. A utility
// template with the customer-service window open counts as a message that
// costs nothing; a category Rate does not know is not counted at all.
func (e *Estimate) Add(e164, category string, windowOpen bool) {
	cat := normCategory(category)
	if !knownCategory(cat) {
		return
	}
	market := e.t.Market(e164)
	n := e.byMarket[market]
	if n == nil {
		n = &tally{}
		e.byMarket[market] = n
	}
	switch {
	case cat == catMarketing:
		n.marketing++
	case cat == catUtility && windowOpen:
		n.free++
	case cat == catUtility:
		n.utility++
	default:
		n.authentication++
	}
}

// Total returns the amount rounded to 4 decimals (float64), plus per-market
// counts and subtotals, each subtotal rounded the same way. The amount is
// rounded once from the exact sum, so it can differ from the sum of the
// rounded subtotals by a few ten-thousandths.
func (e *Estimate) Total() (amount float64, byMarket map[string]MarketCost) {
	byMarket = make(map[string]MarketCost, len(e.byMarket))
	var sum float64
	for market, n := range e.byMarket {
		rs := e.t.markets[market]
		sub := float64(n.marketing)*rs.marketing +
			float64(n.utility)*rs.utility +
			float64(n.authentication)*rs.authentication
		sum += sub
		byMarket[market] = MarketCost{
			Messages: n.marketing + n.utility + n.authentication + n.free,
			Amount:   round4(sub),
		}
	}
	return round4(sum), byMarket
}

// round4 rounds to 4 decimals, halves away from zero.
func round4(x float64) float64 {
	return math.Round(x*1e4) / 1e4
}
