// Package ui holds the web UI of the team inbox: server-rendered page shells
// (html/template) and the static assets (vanilla ES modules and CSS, no build
// step, no third-party code).
//
// The handlers execute "login.html" with a LoginPage and "inbox.html" with an
// InboxPage, and serve Static() under /static/.
package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"sort"
	"sync"
)

// FS holds the templates and static assets.
//
//go:embed templates static
var FS embed.FS

// LoginPage is the data of login.html.
type LoginPage struct {
	Error       string // shown in #login-error when set
	Email       string // pre-filled after a failed attempt
	Sandbox     bool
	SandboxHint string // e.g. "Sandbox login: owner@example.com / …", shown in a muted box
}

// InboxPage is the data of inbox.html.
type InboxPage struct {
	UserName, UserEmail, UserRole string
	WorkspaceName, WorkspaceSlug  string
	Sandbox                       bool
	// SandboxPhoneURL links to the sandbox customer phone, e.g.
	// "/sim/_sim/phone"; shown as "Open the customer phone" when Sandbox.
	SandboxPhoneURL string
}

// Templates parses templates/*.html once and returns the shared set; it is
// safe for concurrent ExecuteTemplate calls.
func Templates() (*template.Template, error) { return parsed() }

var parsed = sync.OnceValues(func() (*template.Template, error) {
	funcs := template.FuncMap{"asset": Asset}
	return template.New("ui").Funcs(funcs).ParseFS(FS, "templates/*.html")
})

// Static returns the static assets, rooted at static/ (served at /static/).
func Static() fs.FS {
	sub, err := fs.Sub(FS, "static")
	if err != nil {
		panic(err) // static/ is embedded; cannot happen
	}
	return sub
}

// Version is a short hash of all static assets. Asset URLs carry it as
// ?v=…, so the assets may be served with long-lived caching headers.
func Version() string { return version() }

var version = sync.OnceValue(func() string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := FS.ReadFile(n)
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// Asset returns the URL of a static file with the cache-busting version,
// e.g. Asset("app.css") = "/static/app.css?v=0123abcd4567".
func Asset(name string) string { return "/static/" + name + "?v=" + version() }
