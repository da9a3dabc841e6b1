package app

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

// The sandbox number's ids are fixed so conversations survive restarts;
// its token is derived from the installation's key.
const (
	sandboxWABA  = "100000000000001"
	sandboxPhone = "100000000000002"
)

// connectSandbox connects the simulator's number to the default workspace
// through the same path a real number takes (it needs the server up: the
// simulator is served by it).
func (s *Server) connectSandbox(ctx context.Context) error {
	if s.Sim == nil {
		return nil
	}
	n := s.Sim.AddNumber(meta.NumberSpec{WABAID: sandboxWABA, PhoneNumberID: sandboxPhone, DisplayPhoneNumber: "15550100001",
		VerifiedName: "GoHavi Sandbox", AccessToken: "EAAG" + derive(s.Key, "access token")})
	if _, err := s.DB.NumberByPhoneNumberID(ctx, sandboxPhone); err == nil || !domain.IsNotFound(err) {
		return err
	}
	ws, err := s.EnsureWorkspace(ctx, DefaultWorkspace)
	if err != nil {
		return err
	}
	_, err = s.Numbers.Connect(ctx, numbers.ConnectRequest{WorkspaceID: ws.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, AccessToken: n.AccessToken, Sandbox: true})
	if domain.ErrorCode(err) == domain.CodeConflict {
		err = nil
	}
	return err
}

// announce tells the person at the terminal where to go.
func (s *Server) announce(login *Login) {
	s.Log.Info("gohavi started", append(s.Cfg.Summary(), "graph_in_use", s.graphURL)...)
	out := os.Stdout
	url := s.URL
	if s.Cfg.PublicURL != "" {
		url = strings.TrimSuffix(s.Cfg.PublicURL, "/")
	}
	fmt.Fprintf(out, "\nGoHavi is running at %s\n", url)
	if login != nil && login.Password != "" && login.Email != "" {
		fmt.Fprintf(out, "  Log in as %s with password %s\n", login.Email, login.Password)
	} else if login != nil && login.Where != "" {
		fmt.Fprintf(out, "  Sandbox login: %s\n", login.Where)
	}
	if s.Sim != nil {
		fmt.Fprintf(out, "  Sandbox mode: chat as a customer at %s/sim/_sim/phone\n", url)
		fmt.Fprintf(out, "  (set GOHAVI_META_APP_SECRET and connect a real number to leave the sandbox)\n")
	}
	if s.Sim == nil {
		fmt.Fprintf(out, "  Meta webhook callback URL: %s/webhooks/whatsapp\n", url)
		if s.Cfg.MetaVerifyToken == "" {
			s.Log.Warn("GOHAVI_META_VERIFY_TOKEN is empty: Meta's webhook verification will fail until it is set to the token entered in the App Dashboard")
		}
	}
	fmt.Fprintf(out, "listening on %s\n\n", s.URL)
}
