package meta

import (
	_ "embed"
	"net/http"
)

// The phone page is our own HTML and JavaScript, embedded so the
// simulator is one self-contained package with no build step.
var (
	//go:embed phone.html
	phoneHTML []byte
	//go:embed phone.js
	phoneJS []byte
)

func (s *Server) servePhone(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(phoneHTML)
}

func (s *Server) servePhoneJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(phoneJS)
}
