package meta

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	maxOverrideURI  = 200              // webhooks/override: "Maximum 200 characters"
	verifyTimeout   = 6 * time.Second  // how long Meta waits for a handshake answer
	maxChallengeLen = int64(256 << 10) // read from a handshake answer
)

// serveSubscribedApps is /{waba_id}/subscribed_apps (§2.1, §7.4): POST
// subscribes the app (an alternate callback when override_callback_uri is
// given, verified first; none when the body is empty), GET lists, DELETE
// unsubscribes.
func (s *Server) serveSubscribedApps(w http.ResponseWriter, r *http.Request, wabaID string) {
	method := strings.ToLower(r.Method)
	if gerr := s.authorizeWABA(r, wabaID, method); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		ws := s.wabas[wabaID]
		data := []map[string]any{}
		if s.wabaSubscribed(wabaID) {
			app := map[string]any{"whatsapp_business_api_data": map[string]string{
				"id": s.appID(), "link": "https://www.facebook.com/games/?app_id=" + s.appID(), "name": s.appName(),
			}}
			if ws != nil && ws.OverrideURL != "" {
				app["override_callback_uri"] = ws.OverrideURL
			}
			data = append(data, app)
		}
		s.mu.Unlock()
		writeGraphJSON(w, http.StatusOK, map[string]any{"data": data})
	case http.MethodPost:
		p, gerr := graphParams(w, r)
		if gerr != nil {
			writeGraphError(w, gerr)
			return
		}
		uri, _ := paramString(p, "override_callback_uri")
		if uri != "" {
			token, _ := paramString(p, "verify_token")
			if gerr := s.checkCallback(r.Context(), "override_callback_uri", uri, token); gerr != nil {
				writeGraphError(w, gerr)
				return
			}
		}
		s.mu.Lock()
		ws := s.wabaOf(wabaID)
		ws.Subscribed, ws.OverrideURL = true, uri
		s.changed()
		s.mu.Unlock()
		s.hooks.wakeAll()
		writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
	case http.MethodDelete:
		s.mu.Lock()
		ws := s.wabaOf(wabaID)
		ws.Subscribed, ws.OverrideURL = false, ""
		s.changed()
		s.mu.Unlock()
		writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
	default:
		writeGraphError(w, errUnsupported(method, ""))
	}
}

// setPhoneOverride applies webhook_configuration of POST /{phone} (§2.1):
// a verified alternate callback, or none for an empty override_callback_uri.
func (s *Server) setPhoneOverride(r *http.Request, ns *numberState, wc map[string]any) *graphError {
	uri, ok := paramString(wc, "override_callback_uri")
	if !ok {
		return errRequired("webhook_configuration[override_callback_uri]")
	}
	if uri != "" {
		token, _ := paramString(wc, "verify_token")
		if gerr := s.checkCallback(r.Context(), "webhook_configuration[override_callback_uri]", uri, token); gerr != nil {
			return gerr
		}
	}
	s.mu.Lock()
	ns.info.OverrideURL = uri
	s.changed()
	s.mu.Unlock()
	s.hooks.wakeAll()
	return nil
}

// checkCallback validates an alternate callback and runs the verification
// handshake against it (§2.2): GET with hub.mode, hub.challenge and
// hub.verify_token; only 200 with the challenge echoed verifies. Failures
// are Graph's #2200.
func (s *Server) checkCallback(ctx context.Context, param, uri, token string) *graphError {
	u, err := url.Parse(uri)
	switch {
	case len(uri) > maxOverrideURI:
		return errParam(param, fmt.Sprintf("must be at most %d characters long", maxOverrideURI))
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return errParam(param, "must be a valid URL")
	case token == "":
		return errRequired("verify_token")
	}
	challenge := randomString(10, "0123456789")
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.challenge", challenge)
	q.Set("hub.verify_token", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return errParam(param, "must be a valid URL")
	}
	req.Header.Set("User-Agent", "facebookplatform/1.0 (+http://developers.facebook.com)")
	resp, err := s.client.Do(req)
	if err != nil {
		return errCallback("curl_error = " + err.Error() + "; HTTP Status Code = 0")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxChallengeLen))
	status := fmt.Sprintf("HTTP Status Code = %d; HTTP Message = %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode != http.StatusOK {
		return errCallback(status)
	}
	if strings.TrimSpace(string(body)) != challenge {
		return errCallback(status + "; the response did not match the challenge")
	}
	return nil
}

func errCallback(why string) *graphError {
	e := newGraphError(2200, "")
	e.Message = "(#2200) Callback verification failed with the following errors: " + why
	return e
}
