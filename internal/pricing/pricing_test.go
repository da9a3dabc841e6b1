package pricing

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultCard(t *testing.T) {
	tb := Default()
	if tb.Version != "meta-usd-2025-07-01" || tb.Currency != "USD" || tb.Source == "" {
		t.Fatalf("Default() = %q %q %q", tb.Version, tb.Currency, tb.Source)
	}
	if want := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC); !tb.Effective.Equal(want) {
		t.Errorf("Effective = %v, want %v", tb.Effective, want)
	}
	if len(tb.markets) != 32 {
		t.Errorf("%d markets, want the 32 of Meta's card", len(tb.markets))
	}
	// Changing one copy leaves the next one alone.
	tb.Version = "changed"
	if Default().Version != "meta-usd-2025-07-01" {
		t.Error("Default() shares its exported fields between calls")
	}
}

func TestMarket(t *testing.T) {
	tb := Default()
	for _, c := range []struct{ number, want string }{
		{"+447700900123", "United Kingdom"},
		{"+44 20 7183 8750", "United Kingdom"},
		{"+4915123456789", "Germany"},
		{"+5511987654321", "Brazil"},
		{"+919876543210", "India"},
		{"+12025550123", "North America"},
		{"+14165550123", "North America"},         // Canada
		{"+12425551234", "North America"},         // Bahamas: +1, not listed in Rest of Latin America
		{"+18095551234", "Rest of Latin America"}, // Dominican Republic shares +1
		{"+18765551234", "Rest of Latin America"}, // Jamaica
		{"+17875551234", "Rest of Latin America"}, // Puerto Rico
		{"+59171234567", "Rest of Latin America"}, // Bolivia
		{"+254712345678", "Rest of Africa"},       // Kenya
		{"+61412345678", "Rest of Asia Pacific"},  // Australia
		{"+81312345678", "Rest of Asia Pacific"},  // Japan
		{"+48501234567", "Rest of Central & Eastern Europe"},
		{"+306912345678", "Rest of Central & Eastern Europe"}, // Greece
		{"+351912345678", "Rest of Western Europe"},           // Portugal
		{"+41791234567", "Rest of Western Europe"},            // Switzerland
		{"+96550012345", "Rest of Middle East"},               // Kuwait
		{"+77012345678", "Russia"},                            // Kazakhstan shares +7
		{"+263771234567", "Other"},                            // Zimbabwe joined Rest of Africa only in October 2025
		{"+3725123456", "Other"},                              // Estonia is in no regional group
		{"", "Other"},
		{"not a number", "Other"},
		{"+", "Other"},
		{"447700900123", "Other"}, // no country code
		{"+999123456", "Other"},   // unassigned calling code
	} {
		if got := tb.Market(c.number); got != c.want {
			t.Errorf("Market(%q) = %q, want %q", c.number, got, c.want)
		}
	}
}

func TestRate(t *testing.T) {
	tb := Default()
	for _, c := range []struct {
		number, category string
		windowOpen       bool
		price            float64
		market           string
		ok               bool
	}{
		{"+447700900123", "MARKETING", false, 0.0529, "United Kingdom", true},
		{"+447700900123", "marketing", true, 0.0529, "United Kingdom", true}, // an open window does not help marketing
		{"+447700900123", "UTILITY", false, 0.0220, "United Kingdom", true},
		{"+447700900123", "Utility", true, 0, "United Kingdom", true},
		{"+447700900123", "AUTHENTICATION", false, 0.0220, "United Kingdom", true},
		{"+447700900123", "AUTHENTICATION", true, 0.0220, "United Kingdom", true},
		{"+919876543210", " utility ", false, 0.0014, "India", true},
		{"+12025550123", "MARKETING", false, 0.0250, "North America", true},
		{"+254712345678", "AUTHENTICATION", false, 0.0040, "Rest of Africa", true},
		{"garbage", "MARKETING", false, 0.0604, "Other", true},
		{"+447700900123", "SERVICE", false, 0, "United Kingdom", false},
		{"+447700900123", "", false, 0, "United Kingdom", false},
	} {
		price, market, ok := tb.Rate(c.number, c.category, c.windowOpen)
		if price != c.price || market != c.market || ok != c.ok {
			t.Errorf("Rate(%q, %q, %v) = %v, %q, %v; want %v, %q, %v",
				c.number, c.category, c.windowOpen, price, market, ok, c.price, c.market, c.ok)
		}
	}
}

func TestEstimate(t *testing.T) {
	e := Default().NewEstimate()
	for range 3 {
		e.Add("+447700900123", "MARKETING", false)
	}
	e.Add("+919876543210", "UTILITY", false)
	e.Add("+919812345678", "utility", false)
	e.Add("+919812345679", "UTILITY", true) // free, still a message
	e.Add("+12025550123", "AUTHENTICATION", false)
	e.Add("+12025550124", "SERVICE", false) // not a template category: not counted

	amount, byMarket := e.Total()
	if amount != 0.1655 { // 3×0.0529 + 2×0.0014 + 0.0040
		t.Errorf("amount = %v, want 0.1655", amount)
	}
	want := map[string]MarketCost{
		"United Kingdom": {Messages: 3, Amount: 0.1587},
		"India":          {Messages: 3, Amount: 0.0028},
		"North America":  {Messages: 1, Amount: 0.004},
	}
	if !reflect.DeepEqual(byMarket, want) {
		t.Errorf("byMarket = %v, want %v", byMarket, want)
	}

	if amount, byMarket := Default().NewEstimate().Total(); amount != 0 || len(byMarket) != 0 {
		t.Errorf("empty estimate = %v, %v", amount, byMarket)
	}

	many := Default().NewEstimate()
	for range 10000 {
		many.Add("+447700900123", "MARKETING", false)
	}
	if amount, _ := many.Total(); amount != 529 {
		t.Errorf("10000 UK marketing = %v, want 529", amount)
	}
}

func TestEstimateRounding(t *testing.T) {
	tb, err := Load(strings.NewReader(`{"version":"contract-1","effective":"2026-01-01","currency":"EUR","source":"test",
		"markets":[{"name":"Other","marketing":0.00012345,"utility":0.00004,"authentication":0.00005}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := tb.NewEstimate()
	for range 3 {
		e.Add("+447700900123", "MARKETING", false) // 0.00037035
	}
	e.Add("+447700900123", "UTILITY", false) // + 0.00004 = 0.00041035
	amount, byMarket := e.Total()
	if amount != 0.0004 {
		t.Errorf("amount = %v, want 0.0004", amount)
	}
	if got := byMarket["Other"]; got != (MarketCost{Messages: 4, Amount: 0.0004}) {
		t.Errorf("Other = %+v", got)
	}
	one := tb.NewEstimate()
	one.Add("+447700900123", "UTILITY", false)
	if amount, _ := one.Total(); amount != 0 {
		t.Errorf("0.00004 rounds to %v, want 0", amount)
	}
}

func TestLoadRoundTrip(t *testing.T) {
	def := Default()
	b, err := def.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Load(Default JSON): %v", err)
	}
	if !reflect.DeepEqual(got, def) {
		t.Errorf("round trip changed the table:\n got %+v\nwant %+v", got, def)
	}
	again, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Errorf("MarshalJSON is not stable:\n%s\n%s", b, again)
	}
	if got.Market("+5511987654321") != "Brazil" {
		t.Error("loaded table lost its regions")
	}
}

func TestLoadRejects(t *testing.T) {
	const other = `{"name":"Other","marketing":0.06,"utility":0.0077,"authentication":0.0077}`
	card := func(head, markets string) string {
		return `{` + head + `"source":"test","markets":[` + markets + `]}`
	}
	const head = `"version":"v1","effective":"2025-07-01","currency":"USD",`
	for _, c := range []struct{ name, json, want string }{
		{"bad JSON", `{"version":`, "reading rate card"},
		{"not an object", `[1,2]`, "reading rate card"},
		{"trailing data", card(head, other) + `{}`, "after the JSON object"},
		{"unknown field", card(head+`"currencies":"USD",`, other), "unknown field"},
		{"empty version", card(`"version":" ","effective":"2025-07-01","currency":"USD",`, other), "version is empty"},
		{"bad currency", card(`"version":"v1","effective":"2025-07-01","currency":"usd",`, other), "currency"},
		{"bad date", card(`"version":"v1","effective":"July 2025","currency":"USD",`, other), "effective"},
		{"no markets", card(head, ``), "no markets"},
		{"negative rate", card(head, other+`,{"name":"Spain","marketing":-0.01,"utility":0.02,"authentication":0.02}`),
			`"Spain" has a negative marketing rate`},
		{"missing category", card(head, other+`,{"name":"Spain","marketing":0.0615,"utility":0.02}`),
			`"Spain" has no authentication rate`},
		{"no Other", card(head, `{"name":"Spain","marketing":0.0615,"utility":0.02,"authentication":0.02}`), `no "Other" market`},
		{"duplicate market", card(head, other+","+other), "listed twice"},
		{"unknown region", card(head, other+`,{"name":"UK","marketing":0.05,"utility":0.02,"authentication":0.02,"regions":["UK"]}`),
			`region "UK"`},
		{"region twice", card(head, other+`,{"name":"A","marketing":1,"utility":1,"authentication":1,"regions":["ES"]},`+
			`{"name":"B","marketing":1,"utility":1,"authentication":1,"regions":["es"]}`), `"ES" is listed in both "A" and "B"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb, err := Load(strings.NewReader(c.json))
			if err == nil {
				t.Fatalf("Load accepted it: %+v", tb)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(strings.NewReader(`{"version":"","effective":"2025-07-01","currency":"USD","source":"",
		"markets":[{"name":"Other","marketing":-1,"utility":0.01}]}`))
	if err == nil {
		t.Fatal("Load accepted it")
	}
	for _, want := range []string{"version is empty", "negative marketing rate", "no authentication rate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
