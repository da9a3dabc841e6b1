package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *server) metricsHandler() http.Handler {
	if s.Metrics == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{})
}
