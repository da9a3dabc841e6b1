// Package pricing estimates what Meta charges for WhatsApp template
// messages, so a broadcast can show its cost before it is sent.
//
// Since 2025-07-01 Meta bills per delivered template message. The price
// depends on the template's category (MARKETING, UTILITY, AUTHENTICATION)
// and on the recipient's market, which Meta derives from the country
// calling code of the number: 24 countries are priced on their own, North
// America is Canada and the United States, and the rest fall into six
// "Rest of …" regions or, when listed nowhere, "Other". A utility template
// delivered while a customer-service window is open is free.
//
// What the estimate leaves out, on purpose:
//   - authentication-international rates, which Meta charges instead of
//     the authentication rate only to businesses it has found eligible
//     (high volume, based in another country than the recipient);
//   - volume tiers, which lower utility and authentication rates once a
//     business sends enough of them in a month;
//   - free entry point windows (72 hours after a click-to-WhatsApp ad);
//   - whatever a solution provider adds on top of Meta's fee.
//
// The built-in rates are data (rates_2025-07-01.json), and an operator can
// load their own card, for instance their contract rates, with Load.
//
// Provenance of the built-in card: Meta publishes its rate card as files to
// download, so the values were taken from transcriptions of it (the
// per-country table at docs.sent.dm/docs/guides/whatsapp-pricing, BSP rate
// calculators) and checked against Meta's earlier and later cards. On this
// card authentication costs the same as utility in every market. Four
// utility/authentication rates had no July 2025 transcription and were
// inferred from the cards before and after it: Saudi Arabia 0.0115, Turkey
// 0.0053 and North America 0.0040 (the rates before July 2025, lowered only
// on 2025-10-01, 2026-04-01 and 2026-01-01), and Rest of Middle East 0.0091
// (the rate of every later card; it was 0.0157 before July 2025). Markets
// group countries as Meta's pricing page listed them then; Zimbabwe was
// still "Other" (Rest of Africa only from 2025-10-01).
package pricing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// otherMarket is the market of every number no other market claims. Every
// table has it.
const otherMarket = "Other"

// Template categories as Meta names them.
const (
	catMarketing      = "MARKETING"
	catUtility        = "UTILITY"
	catAuthentication = "AUTHENTICATION"
)

const dateLayout = "2006-01-02"

//go:embed rates_2025-07-01.json
var builtinRates []byte

// Table is a versioned rate card.
type Table struct {
	Version   string    // e.g. "meta-usd-2025-07-01"
	Effective time.Time // the date the rates took effect
	Currency  string    // "USD"
	Source    string    // where the numbers come from, one line

	markets map[string]rates  // market name -> rates
	order   []string          // market names in the order the card lists them
	regions map[string]string // ISO 3166 region code ("GB") -> market name
}

// rates are the prices of one delivered template per category.
type rates struct {
	marketing, utility, authentication float64
}

// cardJSON is the wire shape of a Table, written by MarshalJSON and read by
// Load.
type cardJSON struct {
	Version   string       `json:"version"`
	Effective string       `json:"effective"`
	Currency  string       `json:"currency"`
	Source    string       `json:"source"`
	Markets   []marketJSON `json:"markets"`
}

// marketJSON is one market of the card. Rates are pointers so a missing
// category can be told apart from a free one.
type marketJSON struct {
	Name           string   `json:"name"`
	Marketing      *float64 `json:"marketing"`
	Utility        *float64 `json:"utility"`
	Authentication *float64 `json:"authentication"`
	Regions        []string `json:"regions,omitempty"`
}

var builtin = sync.OnceValue(func() *Table {
	t, err := Load(bytes.NewReader(builtinRates))
	if err != nil {
		panic("pricing: built-in rate card is invalid: " + err.Error())
	}
	return t
})

// Default is the built-in table (the newest one we ship). Each call returns
// its own copy, so a caller may change the exported fields freely.
func Default() *Table {
	b := builtin()
	c := *b
	// The maps and slice are never written after Load, so sharing them is safe.
	return &c
}

// Load reads a table from JSON (same shape as MarshalJSON output) so an
// operator can supply their own contract rates. It rejects a card without a
// version, effective date or three-letter currency, a market missing one of
// the three categories or with a negative rate, a region code phonenumbers
// does not know or that two markets claim, and a card without the "Other"
// market. All the problems found are returned together.
func Load(r io.Reader) (*Table, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c cardJSON
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("pricing: reading rate card: %w", err)
	}
	if dec.More() {
		return nil, errors.New("pricing: reading rate card: unexpected data after the JSON object")
	}
	return c.table()
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// table validates the card and builds the Table from it.
func (c cardJSON) table() (*Table, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	t := &Table{
		Version:  strings.TrimSpace(c.Version),
		Currency: strings.TrimSpace(c.Currency),
		Source:   strings.TrimSpace(c.Source),
		markets:  make(map[string]rates, len(c.Markets)),
		regions:  make(map[string]string),
	}
	if t.Version == "" {
		bad("version is empty")
	}
	if !currencyCode.MatchString(t.Currency) {
		bad("currency %q is not a three-letter ISO 4217 code such as \"USD\"", c.Currency)
	}
	if eff, err := time.Parse(dateLayout, strings.TrimSpace(c.Effective)); err != nil {
		bad("effective %q is not a date like \"2025-07-01\"", c.Effective)
	} else {
		t.Effective = eff
	}
	if len(c.Markets) == 0 {
		bad("no markets")
	}
	for i, m := range c.Markets {
		name := strings.TrimSpace(m.Name)
		if name == "" {
			bad("market #%d has no name", i+1)
			continue
		}
		if _, dup := t.markets[name]; dup {
			bad("market %q is listed twice", name)
			continue
		}
		var rs rates
		for _, f := range []struct {
			cat string
			v   *float64
			dst *float64
		}{
			{"marketing", m.Marketing, &rs.marketing},
			{"utility", m.Utility, &rs.utility},
			{"authentication", m.Authentication, &rs.authentication},
		} {
			switch {
			case f.v == nil:
				bad("market %q has no %s rate", name, f.cat)
			case *f.v < 0:
				bad("market %q has a negative %s rate (%v)", name, f.cat, *f.v)
			default:
				*f.dst = *f.v
			}
		}
		t.markets[name] = rs
		t.order = append(t.order, name)
		for _, reg := range m.Regions {
			code := strings.ToUpper(strings.TrimSpace(reg))
			switch prev, taken := t.regions[code]; {
			case phonenumbers.GetCountryCodeForRegion(code) == 0:
				bad("market %q lists region %q, which is not a known ISO 3166 region code (the United Kingdom is \"GB\")", name, reg)
			case taken:
				bad("region %q is listed in both %q and %q", code, prev, name)
			default:
				t.regions[code] = name
			}
		}
	}
	if _, ok := t.markets[otherMarket]; len(c.Markets) > 0 && !ok {
		bad("no %q market: it prices every number no other market claims", otherMarket)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("pricing: invalid rate card: %w", errors.Join(errs...))
	}
	return t, nil
}

// MarshalJSON writes the table in the shape Load reads: markets in the
// order of the card, each with its region codes sorted.
func (t *Table) MarshalJSON() ([]byte, error) {
	byMarket := make(map[string][]string, len(t.order))
	for _, reg := range slices.Sorted(maps.Keys(t.regions)) {
		m := t.regions[reg]
		byMarket[m] = append(byMarket[m], reg)
	}
	c := cardJSON{
		Version:  t.Version,
		Currency: t.Currency,
		Source:   t.Source,
		Markets:  make([]marketJSON, 0, len(t.order)),
	}
	if !t.Effective.IsZero() {
		c.Effective = t.Effective.Format(dateLayout)
	}
	for _, name := range t.order {
		rs := t.markets[name]
		c.Markets = append(c.Markets, marketJSON{
			Name:           name,
			Marketing:      &rs.marketing,
			Utility:        &rs.utility,
			Authentication: &rs.authentication,
			Regions:        byMarket[name],
		})
	}
	return json.MarshalIndent(c, "", "  ")
}
