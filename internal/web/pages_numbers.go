package web

import (
	"net/http"
	"net/url"

	"github.com/gohavi/gohavi/internal/domain"
)

// numbersPage is the shell of /numbers; numbers.js fills it from
// GET /api/v1/whatsapp/numbers. Agents see it read-only.
func (s *server) numbersPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(&cspWriter{ResponseWriter: w, policy: numbersCSP}, r, p, u, "numbers.html")
}

// numbersConnectPage is the shell of /numbers/connect: Embedded Signup
// and the manual form, run by connect.js.
func (s *server) numbersConnectPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(&cspWriter{ResponseWriter: w, policy: connectCSP(s.Signup.SDKURL)}, r, p, u, "numbers_connect.html")
}

// Meta serves business profile pictures from its own CDN
// (pps.whatsapp.net), so the numbers page may show https images.
const numbersCSP = "default-src 'self'; img-src 'self' data: blob: https:; frame-ancestors 'none'"

// connectCSP lets Facebook's JS SDK run in the page: it loads from
// connect.facebook.net (or wherever GOHAVI_FACEBOOK_SDK_URL points), talks
// to facebook.com through hidden iframes and injects its own <style>
// elements. The sandbox's stand-in is same-origin and needs none of this.
func connectCSP(sdkURL string) string {
	scripts := "'self' https://connect.facebook.net"
	if u, err := url.Parse(sdkURL); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		if o := u.Scheme + "://" + u.Host; o != "https://connect.facebook.net" {
			scripts += " " + o
		}
	}
	return "default-src 'self'; " +
		"script-src " + scripts + "; " +
		"style-src 'self' 'unsafe-inline'; " +
		"frame-src 'self' https://*.facebook.com; " +
		"connect-src 'self' https://*.facebook.com https://connect.facebook.net; " +
		"img-src 'self' data: blob: https://*.facebook.com https://*.fbcdn.net; " +
		"frame-ancestors 'none'"
}

// cspWriter replaces the page's Content-Security-Policy as the header is
// sent: render sets the strict default for every page, and these two
// pages need a little more.
type cspWriter struct {
	http.ResponseWriter
	policy string
	wrote  bool
}

func (c *cspWriter) WriteHeader(status int) {
	if !c.wrote {
		c.wrote = true
		if c.Header().Get("Content-Security-Policy") != "" {
			c.Header().Set("Content-Security-Policy", c.policy)
		}
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *cspWriter) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *cspWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
