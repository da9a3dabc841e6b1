package appointments

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// ConnectRequest connects a workspace with a personal access token.
type ConnectRequest struct {
	Token    string
	Scope    string // user (default) or organization
	Settings Settings
}

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HookURL is where Calendly delivers a connection's webhooks; the key in
// it names the connection, the signature proves the sender.
func (e *Engine) HookURL(key string) string {
	return strings.TrimRight(e.PublicURL, "/") + "/webhooks/calendly/hook/" + key
}

// RedirectURI is the OAuth redirect registered with the Calendly app.
func (e *Engine) RedirectURI() string {
	return strings.TrimRight(e.PublicURL, "/") + "/integrations/calendly/callback"
}

// apiError turns a Calendly refusal during connect into what a person can
// act on.
func apiError(err error, doing string) error {
	switch calendly.KindOf(err) {
	case calendly.KindAuth:
		return domain.Errorf(domain.CodeInvalidArgument, "Create a new personal access token in Calendly (Integrations → API & Webhooks) with the users:read, scheduled_events:read and webhooks:write scopes.", "Calendly refused the token while %s: %v", doing, err)
	case calendly.KindForbidden:
		return domain.Errorf(domain.CodeForbidden, "Calendly webhooks need a paid plan (Standard, Teams or Enterprise); organization scope needs an owner or admin. Use user scope or upgrade the plan.", "Calendly does not allow %s: %v", doing, err)
	case calendly.KindInvalid:
		return domain.Errorf(domain.CodeInvalidArgument, "Check GOHAVI_PUBLIC_URL: Calendly needs an HTTPS address it can reach.", "Calendly refused %s: %v", doing, err)
	}
	return domain.Errorf(domain.CodeUnavailable, "Calendly could not be reached; try again in a minute.", "%s failed: %v", doing, err)
}

// Connect checks a personal access token, creates the webhook
// subscription with a signing key generated here, and saves the
// connection with its settings.
func (e *Engine) Connect(ctx context.Context, workspaceID int64, req ConnectRequest) (store.CalendlyConnection, error) {
	e.init()
	if strings.TrimSpace(req.Token) == "" {
		return store.CalendlyConnection{}, invalid(`"token" is required: a Calendly personal access token`)
	}
	if err := req.Settings.Validate(); err != nil {
		return store.CalendlyConnection{}, err
	}
	return e.connect(ctx, workspaceID, "pat", calendly.Tokens{Access: strings.TrimSpace(req.Token)}, req.Scope, &req.Settings)
}

func (e *Engine) connect(ctx context.Context, workspaceID int64, auth string, t calendly.Tokens, scope string, s *Settings) (store.CalendlyConnection, error) {
	if scope == "" {
		scope = "user"
	}
	if scope != "user" && scope != "organization" {
		return store.CalendlyConnection{}, invalid(`"scope" is %q; use "user" or "organization"`, scope)
	}
	me, err := e.API.Me(ctx, t.Access)
	if err != nil {
		return store.CalendlyConnection{}, apiError(err, "reading the user (GET /users/me)")
	}
	// The previous subscription goes only once the new one is saved: a
	// connect that fails half-way leaves the old connection working.
	old, oldErr := e.DB.CalendlyConnection(ctx, workspaceID)
	oldToken := ""
	if oldErr == nil && old.SubscriptionURI != "" {
		oldToken, _ = e.token(ctx, old) // may be dead; then the new token tries
	}
	// A PAT subscription is signed with our own key; OAuth ones with the
	// app's, so none is stored for them.
	key := ""
	if auth == "pat" {
		key = randomKey(32)
	}
	hook := randomKey(24)
	c := store.CalendlyConnection{WorkspaceID: workspaceID, Auth: auth, UserURI: me.URI, OrganizationURI: me.Organization, UserName: me.Name,
		UserEmail: me.Email, UserTimezone: me.Timezone, Scope: scope, HookKey: hook, TokenExpiresAt: domain.Millis(t.ExpiresAt)}
	sub, err := e.subscribe(ctx, t.Access, c, key)
	if err != nil {
		return store.CalendlyConnection{}, err
	}
	c.SubscriptionURI, c.SubscriptionState = sub.URI, sub.State
	if c.TokensEnc, err = e.sealTokens(workspaceID, t); err != nil {
		return c, err
	}
	if c.SigningKeyEnc, err = e.Box.Seal([]byte(key), signingAAD(workspaceID)); err != nil {
		return c, err
	}
	if s != nil {
		b, _ := json.Marshal(s)
		c.Settings = string(b)
	}
	saved, err := e.DB.SaveCalendlyConnection(ctx, c)
	if err != nil || oldErr != nil || old.SubscriptionURI == "" || old.SubscriptionURI == sub.URI {
		return saved, err
	}
	if err := e.API.DeleteSubscription(ctx, cmp.Or(oldToken, t.Access), old.SubscriptionURI); err != nil {
		e.Log.Warn("calendly: deleting the previous subscription", "uri", old.SubscriptionURI, "err", err)
	}
	return saved, nil
}

// subscribe creates the webhook subscription. Calendly answers 409 when
// one with the same URL exists (an earlier connect that crashed before
// saving): that one's signing key is unknown, so it is deleted and made
// again.
func (e *Engine) subscribe(ctx context.Context, token string, c store.CalendlyConnection, key string) (calendly.Subscription, error) {
	in := calendly.NewSubscription{URL: e.HookURL(c.HookKey), Events: calendly.DefaultEvents, Organization: c.OrganizationURI, Scope: c.Scope, SigningKey: key}
	if c.Scope == "user" {
		in.User = c.UserURI
	}
	sub, err := e.API.CreateSubscription(ctx, token, in)
	if calendly.KindOf(err) == calendly.KindConflict {
		subs, lerr := e.API.Subscriptions(ctx, token, c.OrganizationURI, c.Scope, in.User)
		if lerr != nil {
			return sub, apiError(lerr, "listing webhook subscriptions")
		}
		for _, s := range subs {
			if s.CallbackURL == in.URL {
				if derr := e.API.DeleteSubscription(ctx, token, s.URI); derr != nil {
					return sub, apiError(derr, "deleting the old webhook subscription")
				}
			}
		}
		sub, err = e.API.CreateSubscription(ctx, token, in)
	}
	if err != nil {
		return sub, apiError(err, "creating the webhook subscription")
	}
	return sub, nil
}

// Resubscribe makes the webhook subscription again, for one Calendly
// disabled after 24 hours of failed deliveries (or one deleted by hand),
// then catches up on bookings made while it was down.
func (e *Engine) Resubscribe(ctx context.Context, workspaceID int64) (store.CalendlyConnection, error) {
	e.init()
	c, err := e.DB.CalendlyConnection(ctx, workspaceID)
	if err != nil {
		return c, err
	}
	if _, err := e.token(ctx, c); err != nil {
		return c, apiError(err, "refreshing the token")
	}
	if c, err = e.DB.CalendlyConnection(ctx, workspaceID); err != nil { // the refreshed tokens
		return c, err
	}
	t, err := e.openTokens(c)
	if err != nil {
		return c, err
	}
	var s *Settings
	c, err = e.connect(ctx, workspaceID, c.Auth, t, c.Scope, s)
	if err != nil {
		return c, err
	}
	if n, err := e.reconcile(ctx, c); err != nil {
		e.Log.Warn("calendly: catching up on bookings made while the subscription was down", "err", err)
	} else if n > 0 {
		e.Log.Info("calendly: caught up on bookings made while the subscription was down", "bookings", n)
		e.Wake()
	}
	return c, nil
}

// Disconnect deletes the subscription (best effort) and the connection
// with its bookings.
func (e *Engine) Disconnect(ctx context.Context, workspaceID int64) error {
	c, err := e.DB.CalendlyConnection(ctx, workspaceID)
	if err != nil {
		return err
	}
	if tok, err := e.token(ctx, c); err == nil && c.SubscriptionURI != "" {
		if err := e.API.DeleteSubscription(ctx, tok, c.SubscriptionURI); err != nil {
			e.Log.Warn("calendly: deleting the subscription on disconnect", "err", err)
		}
	}
	return e.DB.DeleteCalendlyConnection(ctx, workspaceID)
}

// SaveSettings replaces a connection's settings.
func (e *Engine) SaveSettings(ctx context.Context, workspaceID int64, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	c, err := e.DB.CalendlyConnection(ctx, workspaceID)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	return e.DB.SetCalendlySettings(ctx, c.ID, string(b))
}

// Parse reads a connection's settings.
func Parse(c store.CalendlyConnection) Settings { return parseSettings(c.Settings) }

// checkSubscription reads the subscription's state: Calendly disables one
// after 24 hours of failed deliveries, and bookings made meanwhile would
// get no messages, so the state is shown and it can be made again.
func (e *Engine) checkSubscription(ctx context.Context, c store.CalendlyConnection) {
	if c.SubscriptionURI == "" {
		return
	}
	tok, err := e.token(ctx, c)
	if err != nil {
		return
	}
	sub, err := e.API.Subscription(ctx, tok, c.SubscriptionURI)
	state, errText := sub.State, ""
	switch calendly.KindOf(err) {
	case "":
	case calendly.KindNotFound:
		state, errText = "missing", "The webhook subscription no longer exists in Calendly; re-create it."
	case calendly.KindAuth:
		e.broken(ctx, c, "Calendly refused the token ("+err.Error()+"); connect Calendly again.")
		return
	default:
		state, errText = c.SubscriptionState, err.Error()
	}
	if err == nil && sub.RetryStartedAt != nil {
		errText = "Calendly has been failing to deliver to GoHavi since " + sub.RetryStartedAt.Format(time.RFC3339) + "; it disables the subscription after 24 hours."
	}
	if state == "disabled" {
		errText = "Calendly disabled the subscription after 24 hours of failed deliveries; bookings since then got no WhatsApp messages. Re-create it."
	}
	if err := e.DB.SetCalendlySubscription(ctx, c.ID, c.SubscriptionURI, state, errText); err != nil {
		e.Log.Error("calendly: saving subscription state", "err", err)
	}
}
