package zoho

import (
	"net/url"
	"testing"
	"time"
)

func TestSearchAnswers204AndHonoursIndexLag(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=nobody@example.com", nil)
	if a.status != 204 || len(a.raw) != 0 {
		t.Fatalf("no match: %d %q", a.status, a.raw)
	}
	id := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva", "Email": "ana@example.com", "Mobile": "+55 11 99999-0000"})
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=ana@example.com", nil); a.status != 204 {
		t.Fatalf("visible before the index lag: %d %s", a.status, a.raw)
	}
	e.clock.Advance(2 * time.Second)
	a = e.call(tok, "GET", "/crm/v7/Contacts/search?email=ANA@example.com", nil)
	info, _ := a.body["info"].(map[string]any)
	if a.status != 200 || a.item(0)["id"] != id || info["count"] != float64(1) || info["more_records"] != false {
		t.Fatalf("after the lag: %d %s", a.status, a.raw)
	}
	// phone= matches on digits across phone fields.
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?phone="+url.QueryEscape("+5511999990000"), nil); a.item(0)["id"] != id {
		t.Fatalf("phone: %d %s", a.status, a.raw)
	}
	// An update takes the record out of the index again for the lag.
	e.call(tok, "PUT", "/crm/v7/Contacts/"+id, data(map[string]any{"First_Name": "Ana"}))
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=ana@example.com", nil); a.status != 204 {
		t.Fatalf("after an update: %d", a.status)
	}
	e.sim.SetIndexLag(-1)
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?word=silva", nil); a.status != 200 {
		t.Fatalf("lag off: %d", a.status)
	}
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=ana@example.com&per_page=201", nil); a.status != 400 {
		t.Fatalf("per_page 201: %d", a.status)
	}
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=ana@example.com&page=11&per_page=200", nil); a.body["code"] != "LIMIT_REACHED" {
		t.Fatalf("beyond 2000: %d %s", a.status, a.raw)
	}
}

func TestCriteriaPlusMustBeEncoded(t *testing.T) {
	e := newEnv(t, Config{IndexLag: -1})
	tok := e.token()
	id := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva", "WhatsApp_Number": "+5511999990000"})
	crit := "(WhatsApp_Number:equals:+5511999990000)"
	// A raw "+" in a query string is a space: the text field no longer matches.
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?criteria="+crit, nil); a.status != 204 {
		t.Fatalf("raw +: %d %s", a.status, a.raw)
	}
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?criteria="+url.QueryEscape(crit), nil); a.status != 200 || a.item(0)["id"] != id {
		t.Fatalf("%%2B: %d %s", a.status, a.raw)
	}
	or := "((Phone:equals:+5511999990000)or(Mobile:equals:+5511999990000)or(WhatsApp_Number:equals:+5511999990000))"
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?criteria="+url.QueryEscape(or), nil); a.status != 200 || a.item(0)["id"] != id {
		t.Fatalf("or: %d %s", a.status, a.raw)
	}
}

func TestCriteriaParser(t *testing.T) {
	e := newEnv(t, Config{IndexLag: -1})
	tok := e.token()
	burns := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Burns, (B)", "First_Name": "Mary", "Phone": "(555) 010-2000"})
	e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Burns", "First_Name": "Max"})
	search := func(c string) answer {
		return e.call(tok, "GET", "/crm/v7/Contacts/search?criteria="+url.QueryEscape(c), nil)
	}
	cases := []struct {
		crit string
		want int // matches; -1 = INVALID_QUERY
	}{
		{`(Last_Name:equals:Burns\, \(B\))`, 1},
		{`((Last_Name:starts_with:burns)and(First_Name:starts_with:M))`, 2},
		{`((Last_Name:equals:Burns)and((First_Name:equals:Max)or(First_Name:equals:Nobody)))`, 1},
		{`(First_Name:equals:Max,Mary)`, 2},
		{`(First_Name:in:Max,Zed)`, 1},
		{`(First_Name:not_equal:Max)`, 1},
		{`(Phone:equals:5550102000)`, 1},
		{`Last_Name:equals:Burns`, 1},
		{`(Last_Name:equals:Burns, (B))`, -1},
		{`((First_Name:equals:Max)and(Last_Name:equals:Burns)or(First_Name:equals:Mary))`, -1},
		{`(Nope:equals:1)`, -1},
		{`(Last_Name:greater_than:A)`, -1},
		{`(Last_Name:equals:Burns`, -1},
	}
	for _, c := range cases {
		a := search(c.crit)
		switch {
		case c.want == -1 && (a.status != 400 || a.body["code"] != "INVALID_QUERY"):
			t.Errorf("%s: want INVALID_QUERY, got %d %s", c.crit, a.status, a.raw)
		case c.want == 0 && a.status != 204:
			t.Errorf("%s: want 204, got %d", c.crit, a.status)
		case c.want > 0 && (a.status != 200 || len(a.body["data"].([]any)) != c.want):
			t.Errorf("%s: want %d, got %d %s", c.crit, c.want, a.status, a.raw)
		}
	}
	if a := search(`(Last_Name:equals:Burns\, \(B\))`); a.item(0)["id"] != burns {
		t.Fatalf("escaped value matched the wrong record: %s", a.raw)
	}
	crit := "("
	for i := range 11 {
		if i > 0 {
			crit += "or"
		}
		crit += "(Last_Name:equals:x)"
	}
	if a := search(crit + ")"); a.status != 400 {
		t.Fatalf("11 criteria: %d", a.status)
	}
}
