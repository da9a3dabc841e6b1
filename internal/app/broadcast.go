package app

import (
	"fmt"
	"os"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/pricing"
)

// broadcastService builds the broadcast sender, with the operator's rate
// table when one is configured.
func (s *Server) broadcastService(graph broadcast.Graph) (*broadcast.Service, error) {
	svc := &broadcast.Service{DB: s.DB, Graph: graph, Box: s.Box, Hub: s.Hub, Clock: s.Clock, Log: s.Log,
		MaxMPS: s.Cfg.MaxMPS(), ReconcileGrace: s.Cfg.ReconcileGrace()}
	if path := s.Cfg.RateTable; path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("GOHAVI_RATE_TABLE: %w", err)
		}
		defer f.Close()
		if svc.Rates, err = pricing.Load(f); err != nil {
			return nil, fmt.Errorf("GOHAVI_RATE_TABLE %s: %w", path, err)
		}
	}
	return svc, nil
}
