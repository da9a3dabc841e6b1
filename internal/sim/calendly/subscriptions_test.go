package simcalendly

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSubscriptionLifecycle(t *testing.T) {
	e := newEnv(t, Config{})
	hookURL := "https://hooks.example.com/calendly/t_123"
	sub := e.subscribe(e.user.Token, hookURL, map[string]any{"signing_key": "k"})
	if str(sub, "callback_url") != hookURL || str(sub, "state") != "active" || sub["retry_started_at"] != nil ||
		str(sub, "scope") != "user" || str(sub, "user") != e.user.URI || str(sub, "organization") != e.user.OrganizationURI ||
		str(sub, "creator") != e.user.URI || sub["group"] != nil || len(sub["events"].([]any)) != 3 ||
		!strings.HasPrefix(str(sub, "uri"), e.srv.URL+"/webhook_subscriptions/") || !calTimeRE.MatchString(str(sub, "created_at")) {
		t.Fatalf("created: %v", sub)
	}
	for _, k := range []string{"uri", "callback_url", "created_at", "updated_at", "retry_started_at", "state", "events", "scope", "organization", "user", "group", "creator"} {
		if _, ok := sub[k]; !ok {
			t.Fatalf("resource lacks %q: %v", k, sub)
		}
	}

	// The same url and scope again is a conflict; another url is not.
	r := e.call("POST", "/webhook_subscriptions", e.user.Token, map[string]any{
		"url": hookURL, "events": []string{"invitee.created"}, "organization": e.user.OrganizationURI, "user": e.user.URI, "scope": "user",
	})
	if r.status != 409 || r.str("title") != "Already Exists" || r.str("message") != "Hook with this url already exists" {
		t.Fatalf("duplicate: %d %s", r.status, r.raw)
	}
	org := e.call("POST", "/webhook_subscriptions", e.user.Token, map[string]any{
		"url": hookURL, "events": []string{"invitee.created"}, "organization": e.user.OrganizationURI, "scope": "organization",
	})
	e.want(org, http.StatusCreated)
	if org.res()["user"] != nil {
		t.Fatalf("organization scope with a user: %s", org.raw)
	}

	// List: organization and scope are required.
	for _, q := range []string{"", "?scope=user", "?organization=" + url.QueryEscape(e.user.OrganizationURI), "?organization=x&scope=user&user=" + url.QueryEscape(e.user.URI)} {
		r := e.call("GET", "/webhook_subscriptions"+q, e.user.Token, nil)
		if r.status != 400 || r.str("title") != "Invalid Argument" || len(r.body["details"].([]any)) == 0 {
			t.Fatalf("list %q: %d %s", q, r.status, r.raw)
		}
	}
	q := url.Values{"organization": {e.user.OrganizationURI}, "scope": {"user"}, "user": {e.user.URI}}
	r = e.call("GET", "/webhook_subscriptions?"+q.Encode(), e.user.Token, nil)
	e.want(r, http.StatusOK)
	if c := r.coll(); len(c) != 1 || str(c[0], "uri") != str(sub, "uri") || r.pagination()["count"].(float64) != 1 || r.pagination()["next_page"] != nil {
		t.Fatalf("list: %s", r.raw)
	}
	q = url.Values{"organization": {e.user.OrganizationURI}, "scope": {"organization"}}
	if c := e.call("GET", "/webhook_subscriptions?"+q.Encode(), e.user.Token, nil).coll(); len(c) != 1 || str(c[0], "scope") != "organization" {
		t.Fatalf("org list: %v", c)
	}

	// Get and delete.
	r = e.call("GET", str(sub, "uri"), e.user.Token, nil)
	if r.status != 200 || str(r.res(), "callback_url") != hookURL {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	other := e.sim.AddUser("Other", "o@example.com", "")
	if r := e.call("DELETE", str(sub, "uri"), other.Token, nil); r.status != 403 {
		t.Fatalf("delete by another org: %d", r.status)
	}
	if r := e.call("DELETE", str(sub, "uri"), e.user.Token, nil); r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if r := e.call("GET", str(sub, "uri"), e.user.Token, nil); r.status != 404 {
		t.Fatalf("get after delete: %d", r.status)
	}
	e.subscribe(e.user.Token, hookURL, nil) // recreating after delete works
}

func TestSubscriptionValidation(t *testing.T) {
	e := newEnv(t, Config{})
	base := func() map[string]any {
		return map[string]any{"url": "https://h.example.com/x", "events": []string{"invitee.created"},
			"organization": e.user.OrganizationURI, "user": e.user.URI, "scope": "user"}
	}
	cases := []struct {
		name   string
		change func(m map[string]any)
		status int
		param  string
	}{
		{"no url", func(m map[string]any) { delete(m, "url") }, 400, "url"},
		{"relative url", func(m map[string]any) { m["url"] = "/x" }, 400, "url"},
		{"no events", func(m map[string]any) { m["events"] = []string{} }, 400, "events"},
		{"unknown event", func(m map[string]any) { m["events"] = []string{"invitee.updated"} }, 400, "events"},
		{"routing form in user scope", func(m map[string]any) { m["events"] = []string{"routing_form_submission.created"} }, 400, "events"},
		{"no organization", func(m map[string]any) { delete(m, "organization") }, 400, "organization"},
		{"no scope", func(m map[string]any) { delete(m, "scope") }, 400, "scope"},
		{"group scope", func(m map[string]any) { m["scope"] = "group" }, 400, "scope"},
		{"user scope without user", func(m map[string]any) { delete(m, "user") }, 400, "user"},
		{"another organization", func(m map[string]any) { m["organization"] = e.sim.AddUser("X", "x@example.com", "").OrganizationURI }, 403, ""},
	}
	for _, c := range cases {
		m := base()
		c.change(m)
		r := e.call("POST", "/webhook_subscriptions", e.user.Token, m)
		if r.status != c.status {
			t.Fatalf("%s: %d %s", c.name, r.status, r.raw)
		}
		if c.param != "" && !strings.Contains(string(r.raw), `"parameter":"`+c.param+`"`) {
			t.Fatalf("%s: no detail for %s: %s", c.name, c.param, r.raw)
		}
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/webhook_subscriptions", strings.NewReader(`{"url":`+strings.Repeat(" ", 1<<20)+`"x"}`))
	req.Header.Set("Authorization", "Bearer "+e.user.Token)
	if r := e.do(req); r.status != 413 {
		t.Fatalf("oversized body: %d %s", r.status, r.raw)
	}
	if r := e.call("POST", "/webhook_subscriptions", e.user.Token, "not an object"); r.status != 400 {
		t.Fatalf("bad JSON: %d", r.status)
	}
}
