package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/web/ui"
)

const (
	sessionCookie = "gohavi_session"
	sessionTTL    = 30 * 24 * time.Hour
	maxFormBody   = 16 << 10
)

func logFrom(*http.Request) *slog.Logger { return slog.Default() }

var errUnauthenticated = domain.Errorf(domain.CodeUnauthenticated, "Log in, or send an API key as 'Authorization: Bearer KEY' (create one with: gohavi apikey create).", "authentication required")

// authenticate resolves who is calling: an API key in the Authorization
// header, else the session cookie. A present but wrong credential is an
// error, never a silent fall-through to the other kind.
func (s *server) authenticate(r *http.Request) (domain.Principal, *domain.User, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		// The scheme is case-insensitive (RFC 9110 §11.1).
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return domain.Principal{}, nil, errUnauthenticated
		}
		k, err := s.DB.APIKeyByHash(ctx, auth.HashToken(strings.TrimSpace(token)))
		if domain.IsNotFound(err) {
			return domain.Principal{}, nil, domain.Errorf(domain.CodeUnauthenticated, "Check the key, or create a new one with: gohavi apikey create.", "unknown API key")
		}
		if err != nil {
			return domain.Principal{}, nil, err
		}
		// An API key acts for its whole workspace, like an admin.
		return domain.Principal{WorkspaceID: k.WorkspaceID, APIKeyID: k.ID, Role: domain.RoleAdmin}, nil, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return domain.Principal{}, nil, errUnauthenticated
	}
	u, err := s.DB.SessionUser(ctx, auth.HashToken(c.Value))
	if domain.IsNotFound(err) {
		return domain.Principal{}, nil, errUnauthenticated
	}
	if err != nil {
		return domain.Principal{}, nil, err
	}
	return domain.Principal{WorkspaceID: u.WorkspaceID, UserID: u.ID, Role: u.Role}, &u, nil
}

// api wraps a JSON handler with authentication.
func (s *server) api(h func(http.ResponseWriter, *http.Request, domain.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _, err := s.authenticate(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		s.touch(r.Context(), p)
		h(w, r, p)
	}
}

// page wraps an HTML page: without a session the browser goes to /login.
func (s *server) page(h func(http.ResponseWriter, *http.Request, domain.Principal, domain.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, u, err := s.authenticate(r)
		if err != nil || u == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h(w, r, p, *u)
	}
}

func requireManager(p domain.Principal) error {
	if !p.Role.CanManage() {
		return domain.Errorf(domain.CodeForbidden, "Ask a workspace owner or admin.", "only owners and admins can do this")
	}
	return nil
}

func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	var buf strings.Builder
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, u, err := s.authenticate(r); err == nil && u != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login.html", ui.LoginPage{Sandbox: s.Sandbox, SandboxHint: s.SandboxHint})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login.html", ui.LoginPage{Error: "The form could not be read; try again.", Sandbox: s.Sandbox, SandboxHint: s.SandboxHint})
		return
	}
	email, pw := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	u, err := s.checkLogin(r.Context(), email, pw)
	if err != nil {
		msg := "Wrong email or password."
		if errors.Is(err, errDeactivated) {
			msg = "Your account was deactivated. Ask an owner or admin of your workspace to reactivate it."
		} else if !errors.Is(err, errBadLogin) {
			s.Log.Error("login failed", "err", err)
			msg = "Login is unavailable right now; try again."
		}
		s.render(w, r, http.StatusUnauthorized, "login.html", ui.LoginPage{Error: msg, Email: email, Sandbox: s.Sandbox, SandboxHint: s.SandboxHint})
		return
	}
	token, hash := auth.NewToken(auth.PrefixSession)
	expires := s.Clock.Now().Add(sessionTTL)
	if err := s.DB.CreateSession(r.Context(), domain.Session{TokenHash: hash, UserID: u.ID, WorkspaceID: u.WorkspaceID, ExpiresAt: expires}); err != nil {
		writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires, HttpOnly: true, Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

var (
	errBadLogin    = errors.New("bad login")
	errDeactivated = errors.New("deactivated")
)

func (s *server) checkLogin(ctx context.Context, email, pw string) (domain.User, error) {
	u, err := s.DB.UserByEmail(ctx, email)
	if domain.IsNotFound(err) {
		auth.CheckNoUser(pw) // same cost as a wrong password: no email oracle
		return u, errBadLogin
	}
	if err != nil {
		return u, err
	}
	ok, err := auth.CheckPassword(u.PasswordHash, pw)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, errBadLogin
	}
	if !u.Active() {
		// Said only to someone who knows the password: no oracle.
		return u, errDeactivated
	}
	return u, nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		_ = s.DB.DeleteSession(r.Context(), auth.HashToken(c.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *server) inboxPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(w, r, p, u, "inbox.html")
}

// shellPage renders a page shell with the signed-in user and workspace;
// the page's script fills it from the API.
func (s *server) shellPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User, name string) {
	ws, err := s.DB.WorkspaceByID(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data := ui.InboxPage{UserName: u.Name, UserEmail: u.Email, UserRole: string(u.Role), WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug, Sandbox: s.Sandbox}
	if s.Sandbox && s.Sim != nil {
		data.SandboxPhoneURL = "/sim/_sim/phone"
	}
	s.render(w, r, http.StatusOK, name, data)
}
