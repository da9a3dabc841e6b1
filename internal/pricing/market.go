package pricing

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Market names the market of an E.164 number ("+447700900123" ->
// "United Kingdom"); unknown or unparsable numbers -> "Other".
//
// The number's region comes from phonenumbers ("GB", or "DO" for +1 809 …)
// and the card says which market lists that region. Meta prices by country
// calling code, so a region no market lists takes the market of the main
// region of its calling code: +1 numbers of Caribbean NANP countries the
// card does not place in Rest of Latin America are North America (the main
// region of +1 is the US), +7 numbers in Kazakhstan are Russia, +44 numbers
// in Jersey, Guernsey or the Isle of Man are the United Kingdom. A number
// whose calling code is assigned to no country is "Other".
func (t *Table) Market(e164 string) string {
	s := strings.TrimSpace(e164)
	if !strings.HasPrefix(s, "+") {
		return otherMarket
	}
	num, err := phonenumbers.Parse(s, "")
	if err != nil {
		return otherMarket
	}
	if m, ok := t.regions[phonenumbers.GetRegionCodeForNumber(num)]; ok {
		return m
	}
	home := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	if m, ok := t.regions[home]; ok {
		return m
	}
	return otherMarket
}

// Rate is the price of one delivered template of category (case-insensitive
// "MARKETING"/"UTILITY"/"AUTHENTICATION") to e164; windowOpen=true makes
// UTILITY free (0). Unknown category -> 0, false (the market is still
// named). The authentication rate is the domestic one: see the package
// comment on authentication-international rates.
func (t *Table) Rate(e164, category string, windowOpen bool) (price float64, market string, ok bool) {
	market = t.Market(e164)
	rs := t.markets[market]
	switch normCategory(category) {
	case catMarketing:
		return rs.marketing, market, true
	case catUtility:
		if windowOpen {
			return 0, market, true
		}
		return rs.utility, market, true
	case catAuthentication:
		return rs.authentication, market, true
	}
	return 0, market, false
}

// normCategory is category as Meta spells it: trimmed, upper case.
func normCategory(category string) string {
	return strings.ToUpper(strings.TrimSpace(category))
}

// knownCategory says whether cat (normalised) is one the card prices.
func knownCategory(cat string) bool {
	return cat == catMarketing || cat == catUtility || cat == catAuthentication
}
