package appointments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// oauthState travels through Calendly's consent screen sealed: it ties the
// redirect to the workspace that started it, carries the PKCE verifier
// and the settings chosen before leaving, and expires with the code.
type oauthState struct {
	WorkspaceID int64    `json:"w"`
	Verifier    string   `json:"v"`
	Scope       string   `json:"s"`
	Settings    Settings `json:"c"`
	Expires     int64    `json:"e"`
}

var stateAAD = []byte("calendly-oauth-state")

// AuthorizeURL starts an OAuth connect.
func (e *Engine) AuthorizeURL(workspaceID int64, scope string, s Settings) (string, error) {
	if e.API.ClientID == "" {
		return "", domain.Errorf(domain.CodeInvalidArgument, "Set GOHAVI_CALENDLY_CLIENT_ID and GOHAVI_CALENDLY_CLIENT_SECRET, or connect with a personal access token.", "no Calendly OAuth app is configured")
	}
	if err := s.Validate(); err != nil {
		return "", err
	}
	st := oauthState{WorkspaceID: workspaceID, Verifier: randomKey(48), Scope: scope, Settings: s, Expires: e.Clock.Now().Add(10 * time.Minute).Unix()}
	b, _ := json.Marshal(st)
	sealed, err := e.Box.Seal(b, stateAAD)
	if err != nil {
		return "", err
	}
	return e.API.AuthorizeURL(e.RedirectURI(), base64.RawURLEncoding.EncodeToString(sealed), st.Verifier), nil
}

// CompleteOAuth checks the state of a redirect, trades the code for
// tokens and finishes the connect.
func (e *Engine) CompleteOAuth(ctx context.Context, state, code string) (store.CalendlyConnection, error) {
	e.init()
	bad := domain.Errorf(domain.CodeInvalidArgument, "Start the connection again from the Integrations page.", "the OAuth state is invalid or expired")
	raw, err := base64.RawURLEncoding.DecodeString(state)
	if err != nil {
		return store.CalendlyConnection{}, bad
	}
	b, err := e.Box.Open(raw, stateAAD)
	var st oauthState
	if err != nil || json.Unmarshal(b, &st) != nil || e.Clock.Now().Unix() > st.Expires {
		return store.CalendlyConnection{}, bad
	}
	t, err := e.API.Exchange(ctx, code, e.RedirectURI(), st.Verifier)
	if err != nil {
		return store.CalendlyConnection{}, apiError(err, "exchanging the authorization code")
	}
	t.ExpiresAt = e.Clock.Now().Add(t.ExpiresIn)
	return e.connect(ctx, st.WorkspaceID, "oauth", t, st.Scope, &st.Settings)
}
