package meta

import (
	"embed"
	"net/http"
)

// The Embedded Signup stand-ins are our own HTML and JavaScript: sdk.js
// plays https://connect.facebook.net/en_US/sdk.js (FB.init, FB.login with
// config_id and response_type "code") and the popup it opens plays Meta's
// flow, posting the WA_EMBEDDED_SIGNUP message event (§7.3) to the opener
// and handing the code to FB.login's callback. Embedded like the phone
// page, so the package needs no build step.
//
//go:embed embedded_signup.html embedded_signup.js sdk.js
var signupFiles embed.FS

func serveEmbedded(w http.ResponseWriter, name, contentType string) {
	b, err := signupFiles.ReadFile(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (s *Server) serveSignupPage(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, "embedded_signup.html", "text/html; charset=utf-8")
}

func (s *Server) serveSignupJS(w http.ResponseWriter, r *http.Request) {
	serveEmbedded(w, "embedded_signup.js", "text/javascript; charset=utf-8")
}

// serveSDK may be loaded cross-origin by the product's page, like Meta's
// SDK with crossorigin="anonymous".
func (s *Server) serveSDK(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	serveEmbedded(w, "sdk.js", "text/javascript; charset=utf-8")
}
