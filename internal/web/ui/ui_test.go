package ui

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, name string, data any) string {
	t.Helper()
	tpl, err := Templates()
	if err != nil {
		t.Fatalf("Templates: %v", err)
	}
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatalf("execute %s: %v", name, err)
	}
	return b.String()
}

func contains(t *testing.T, page, html string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(html, w) {
			t.Errorf("%s: missing %q", page, w)
		}
	}
}

func absent(t *testing.T, page, html string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(html, w) {
			t.Errorf("%s: unexpected %q", page, w)
		}
	}
}

func TestLoginPage(t *testing.T) {
	html := render(t, "login.html", LoginPage{
		Error: `Wrong email or password <script>`, Email: "owner@example.com",
		Sandbox: true, SandboxHint: "Sandbox login: owner@example.com / sandbox",
	})
	contains(t, "login", html,
		`<form id="login-form" method="post" action="/login">`,
		`id="email" name="email"`, `value="owner@example.com"`,
		`id="password" name="password"`, `<button id="login-submit"`,
		`id="login-error"`, `Wrong email or password &lt;script&gt;`,
		"Sandbox login: owner@example.com / sandbox",
		`rel="icon"`, `/static/app.css?v=`+Version())

	html = render(t, "login.html", LoginPage{})
	absent(t, "login (plain)", html, `id="login-error"`, "sandbox-hint")
}

func TestInboxPage(t *testing.T) {
	data := InboxPage{
		UserName: "Olivia Owner", UserEmail: "owner@example.com", UserRole: "owner",
		WorkspaceName: "Acme & Co", WorkspaceSlug: "acme",
		Sandbox: true, SandboxPhoneURL: "/sim/_sim/phone",
	}
	html := render(t, "inbox.html", data)
	contains(t, "inbox", html,
		`id="conversation-list"`, `id="thread"`, `<form id="composer"`,
		`<textarea id="composer-input"`, `<button id="composer-send"`, `id="composer-error"`,
		`id="window-state"`, `id="live-status"`, `data-state="connecting"`,
		`<a id="sandbox-phone-link"`, `href="/sim/_sim/phone"`, "Open the customer phone",
		`id="user-name"`, "Olivia Owner", "Acme &amp; Co",
		`action="/logout"`, `method="post"`,
		`<script type="module" src="/static/inbox.js?v=`, `rel="stylesheet"`,
		`<a id="nav-compliance" href="/compliance"`,
		`<select id="template-select"`, `id="template-params"`, `id="template-preview"`,
		`<button type="button" id="template-send"`, `id="template-toggle"`,
		// the shell: views, search, header controls, panel, presence, shortcuts
		`<input id="search" type="search"`, `id="search-results"`, `id="views"`, `data-view="mine"`, `data-view="unassigned"`,
		`data-view="all"`, `id="status-tabs"`, `data-status="resolved"`, `id="filter-label"`, `id="filter-number"`, `id="filter-agent"`,
		`id="list-none"`, `id="presence"`, `id="assign-btn"`, `id="assign-menu"`, `id="status-main"`, `id="status-btn"`, `id="status-menu"`,
		`id="conv-status"`, `id="conv-labels"`, `id="label-add"`, `id="label-menu"`, `id="activity-btn"`, `id="activity-pop"`,
		`id="controls-error"`, `id="controls-toggle"`, `id="panel-toggle"`, `<aside id="contact-panel"`, `id="panel-close"`,
		`id="help"`, `id="help-open"`, "Keyboard shortcuts")

	data.Sandbox = false
	html = render(t, "inbox.html", data)
	absent(t, "inbox (live)", html, "sandbox-phone-link", "/sim/_sim/phone")
}

// Every /static/ URL the pages use must exist in Static().
func TestAssetsExist(t *testing.T) {
	html := render(t, "login.html", LoginPage{}) + render(t, "inbox.html", InboxPage{Sandbox: true}) + render(t, "compliance.html", InboxPage{}) +
		render(t, "appointments.html", InboxPage{Sandbox: true}) + render(t, "integrations.html", InboxPage{Sandbox: true}) +
		render(t, "broadcasts.html", BroadcastsPage{CanManage: true}) + render(t, "team.html", TeamPage{CanManage: true})
	refs := regexp.MustCompile(`/static/([\w.-]+)\?v=`).FindAllStringSubmatch(html, -1)
	if len(refs) < 3 {
		t.Fatalf("found only %d asset references", len(refs))
	}
	for _, m := range refs {
		if _, err := fs.Stat(Static(), m[1]); err != nil {
			t.Errorf("asset %s: %v", m[1], err)
		}
	}
}

// The hooks the browser tests use on script-built elements.
func TestScriptHooks(t *testing.T) {
	// The inbox is several modules; the hooks may live in any of them.
	names, err := fs.Glob(Static(), "inbox*.js")
	if err != nil || len(names) < 2 {
		t.Fatalf("inbox modules: %v %v", names, err)
	}
	var b []byte
	for _, n := range names {
		part, err := fs.ReadFile(Static(), n)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, part...)
	}
	contains(t, "inbox*.js", string(b),
		`"conversation"`, `"conv-name"`, `"conv-preview"`, `"conv-unread"`, `classList.toggle("active"`,
		"message ${dir}", "dataset.direction", "dataset.status", `"text"`, "`ticks ticks-${m.status}`", `"error"`,
		`new EventSource("/api/v1/events"`, `last_event_id`, `"message.created"`, `"message.updated"`, `"conversation.updated"`,
		`"#c="`, "window_expires_at", `dataset.state = s`,
		// views, counts, search, controls, panel, presence, shortcuts
		`"/api/v1/conversations/counts"`, `"/api/v1/search?q="`, `el("mark"`, `bus.emit("focus-message"`, `"presence.updated"`,
		"dataset.userId", "dataset.state = p.state", `"viewing"`, `"typing"`, `"idle"`, `/panel`, `"focus-reply"`, `"focus-note"`,
		`dataset.snooze`, `dataset.conversationId`, `dataset.assignee`, `dataset.label`)
}

func TestCompliancePage(t *testing.T) {
	html := render(t, "compliance.html", InboxPage{UserName: "Olivia <Owner>", WorkspaceName: "Acme & Co", WorkspaceSlug: "acme"})
	contains(t, "compliance", html,
		`id="compliance-numbers"`, `id="compliance-denials"`, `id="compliance-held"`, `id="compliance-codes"`,
		`<a id="nav-inbox" href="/"`, `<a id="nav-compliance" href="/compliance" aria-current="page"`,
		`<script type="module" src="/static/compliance.js?v=`, "Olivia &lt;Owner&gt;", "Acme &amp; Co")
	absent(t, "compliance", html, "<script>", "style=")

	b, err := fs.ReadFile(Static(), "compliance.js")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "compliance.js", string(b), `"denial-code"`, "dataset.code = code", "getCompliance")
	b, err = fs.ReadFile(Static(), "picker.js")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "picker.js", string(b), `"template-param"`, "index: v", "name: v", "previewTemplate", "sendTemplate", `"APPROVED"`)
}

func TestStatic(t *testing.T) {
	for _, name := range []string{"app.css", "inbox.js", "inbox-core.js", "inbox-thread.js", "inbox-compose.js",
		"inbox-render.js", "inbox-actions.js", "inbox-notes.js", "inbox-util.js", "inbox-suggest.js", "inbox-guard.js",
		"inbox-attach.js", "inbox-interactive.js", "inbox-schedule.js", "inbox-thread.css",
		"inbox-list.js", "inbox-views.js", "inbox-search.js", "inbox-controls.js", "inbox-panel.js", "inbox-presence.js",
		"inbox-keys.js", "inbox-menu.js", "inbox.css", "api.js", "picker.js", "compliance.js", "favicon.svg",
		"appointments.js", "integrations-calendly.js", "calendly-settings.js",
		"broadcasts.js", "broadcasts-compose.js", "broadcasts-plan.js", "broadcasts-results.js", "broadcasts-import.js", "broadcasts-words.js", "broadcasts.css",
		"team.js", "team.css"} {
		b, err := fs.ReadFile(Static(), name)
		if err != nil {
			t.Fatalf("static %s: %v", name, err)
		}
		s := string(b)
		// Own code only, data inserted as text.
		absent(t, name, s, "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "//cdn", "https://")
	}
	if v := Version(); len(v) != 12 {
		t.Errorf("Version() = %q", v)
	}
}

// Every page links every other, the current one marked.
func TestNav(t *testing.T) {
	pages := map[string]string{"inbox.html": "/", "appointments.html": "/appointments", "compliance.html": "/compliance",
		"numbers.html": "/numbers", "numbers_connect.html": "/numbers", "integrations.html": "/integrations", "broadcasts.html": "/broadcasts",
		"team.html": "/team"}
	for page, current := range pages {
		var data any = InboxPage{}
		switch page {
		case "broadcasts.html":
			data = BroadcastsPage{}
		case "team.html":
			data = TeamPage{}
		}
		html := render(t, page, data)
		for _, href := range []string{"/", "/appointments", "/broadcasts", "/compliance", "/numbers", "/integrations", "/team"} {
			contains(t, page, html, `href="`+href+`"`)
		}
		if n := strings.Count(html, `aria-current="page"`); n != 1 {
			t.Errorf("%s: %d links marked current", page, n)
		}
		contains(t, page, html, `href="`+current+`" aria-current="page"`)
	}
}

func TestAppointmentsPage(t *testing.T) {
	data := InboxPage{UserName: "Olivia <Owner>", UserRole: "owner", WorkspaceName: "Acme & Co", WorkspaceSlug: "acme", Sandbox: true}
	html := render(t, "appointments.html", data)
	contains(t, "appointments", html,
		`<script type="module" src="/static/appointments.js?v=`, `<a id="nav-appointments" href="/appointments" aria-current="page"`,
		`id="appointments-list"`, `id="appointments-connect"`, `id="appointments-problems"`, `id="appointments-error"`,
		`data-sandbox="true"`, `<form id="book-form"`, `id="book-phone"`, `id="book-hours"`, `id="book-optin"`, `id="book-submit"`,
		"Olivia &lt;Owner&gt;", "Acme &amp; Co")
	absent(t, "appointments", html, "<script>", "style=")

	data.Sandbox = false
	html = render(t, "appointments.html", data)
	absent(t, "appointments (live)", html, "book-form", "data-sandbox")

	html = render(t, "integrations.html", InboxPage{Sandbox: true})
	contains(t, "integrations", html, `<section id="calendly"`, `/static/integrations-calendly.js?v=`)

	b, err := fs.ReadFile(Static(), "appointments.js")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "appointments.js", string(b), `"/api/v1/appointments?limit=200"`, `"/sim/calendly/_sim"`, "dataset.status", "dataset.kind")
}

func TestBroadcastsPage(t *testing.T) {
	data := BroadcastsPage{InboxPage: InboxPage{UserName: "Olivia <Owner>", UserRole: "owner", WorkspaceName: "Acme & Co", WorkspaceSlug: "acme"}, CanManage: true}
	html := render(t, "broadcasts.html", data)
	contains(t, "broadcasts", html,
		`<script type="module" src="/static/broadcasts.js?v=`, `<link rel="stylesheet" href="/static/broadcasts.css?v=`,
		`<a id="nav-broadcasts" href="/broadcasts" aria-current="page"`, `data-can-manage="true"`,
		`<form id="compose-form"`, `<form id="import-form"`, `id="broadcast-launch"`, `id="broadcast-pause"`,
		`data-group="read_not_replied"`, `data-group="failed_retryable"`, `data-group="delivered_not_read"`,
		"<code>{{first_name|there}}</code>", "Olivia &lt;Owner&gt;", "Acme &amp; Co")
	absent(t, "broadcasts", html, "<script>", "style=")

	data.CanManage, data.UserRole = false, "agent"
	html = render(t, "broadcasts.html", data)
	absent(t, "broadcasts (agent)", html, "compose-form", "import-form", "broadcast-launch", "broadcast-pause", "broadcast-new", "bc-followup", "data-can-manage")
	contains(t, "broadcasts (agent)", html, `id="broadcast-list"`, `id="recipients"`, `id="plan"`)

	b, err := fs.ReadFile(Static(), "broadcasts.js")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "broadcasts.js", string(b), `new EventSource("/api/v1/events")`, `"broadcast.updated"`, "throttled(", `"/api/v1/broadcasts"`)
}

// The composer's and the thread's hooks the browser tests use (the
// inbox_*_browser_test.go files in e2e).
func TestComposerHooks(t *testing.T) {
	html := render(t, "inbox.html", InboxPage{Sandbox: true})
	contains(t, "inbox composer", html,
		`id="mode-reply"`, `id="mode-note"`, `role="tab"`, `id="reply-bar"`, `id="reply-bar-quote"`, `id="reply-cancel"`,
		`id="attach-btn"`, `<input type="file" id="attach-input"`, `id="attach-chip"`, `id="interactive-btn"`, `id="send-later"`,
		`id="scheduled-list"`, `id="assignee-banner"`, `id="suggest"`, `role="listbox"`)
	var b []byte
	for _, n := range []string{"inbox-thread.js", "inbox-render.js", "inbox-actions.js", "inbox-notes.js", "inbox-suggest.js",
		"inbox-guard.js", "inbox-attach.js", "inbox-interactive.js", "inbox-schedule.js", "inbox-compose.js"} {
		part, err := fs.ReadFile(Static(), n)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, part...)
	}
	contains(t, "thread and composer modules", string(b),
		`export async function focusMessage`, `export function loadTimeline`, `export function onNoteEvent`, `export function onScheduledEvent`,
		`msg-menu-btn`, `react-btn`, `menu-reply`, `react-remove`, `reaction-chip`, `dataset.emoji`, `quote`, `retry-btn`, `retried-link`,
		`media-img`, `img.loading = "lazy"`, `doc-link`, `location-link`, `contact-card`, `reply-choice`, `unsupported`,
		`note-edit`, `note-delete`, `mention`, `canned-item`, `mention-item`, `confirm-send`,
		`"/api/v1/media"`, `media_id`, `interactive-dialog`, `ia-send`, `schedule-confirm`, `scheduled-cancel`, `send_at_local`,
		`"/api/v1/messages"`, `context = { message_id`, `bus.emit("typing")`)
}

func TestTeamPage(t *testing.T) {
	data := TeamPage{InboxPage: InboxPage{UserName: "Olivia <Owner>", UserRole: "owner", WorkspaceName: "Acme & Co", WorkspaceSlug: "acme"},
		UserID: 7, CanManage: true, IsOwner: true}
	html := render(t, "team.html", data)
	contains(t, "team", html,
		`<script type="module" src="/static/team.js?v=`, `<link rel="stylesheet" href="/static/team.css?v=`,
		`<a id="nav-team" href="/team" aria-current="page"`, `data-user-id="7"`, `data-can-manage="true"`, `data-owner="true"`,
		`<table id="team-members"`, `id="team-error"`, `id="team-refresh"`, `id="team-show-all"`,
		`<form id="member-add-form"`, `id="member-email"`, `id="member-name"`, `<select id="member-role"`, `<option value="owner">`,
		`id="member-password"`, `id="member-add-error"`, `id="member-add-submit"`, "Olivia &lt;Owner&gt;", "Acme &amp; Co")
	absent(t, "team", html, "<script>", "style=")

	data.IsOwner, data.UserRole = false, "admin"
	html = render(t, "team.html", data)
	contains(t, "team (admin)", html, `<form id="member-add-form"`, `<option value="admin">`)
	absent(t, "team (admin)", html, `<option value="owner">`, "data-owner")

	data.CanManage, data.UserRole = false, "agent"
	html = render(t, "team.html", data)
	contains(t, "team (agent)", html, `<table id="team-members"`, `id="team-refresh"`)
	absent(t, "team (agent)", html, "member-add", "team-show-all", "data-can-manage", "Actions")

	b, err := fs.ReadFile(Static(), "team.js")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "team.js", string(b), `api.request(`, `"/api/v1/members"`, `location.assign("/login")`, "dataset.userId", "dataset.online",
		`"member-role-select"`, `"member-reset"`, `"member-deactivate"`, `"member-confirm-yes"`, `"member-reactivate"`, `e.remedy`)
}
