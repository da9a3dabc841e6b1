package app

import (
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/schedule"
)

// scheduler sends scheduled messages as they come due; every node runs
// it, under its own name in claims.
func (s *Server) scheduler() *schedule.Service {
	return &schedule.Service{DB: s.DB, Send: s.Outbound, Hub: s.Hub, Clock: s.Clock, Log: s.Log, Node: loop.NodeName()}
}
