// Package metrics defines GoHavi's Prometheus metrics in one registry.
package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/store"
)

// Metrics holds the counters the code increments; gauges that mirror the
// database are read at scrape time.
type Metrics struct {
	Registry         *prometheus.Registry
	WebhooksReceived *prometheus.CounterVec
	WebhooksApplied  prometheus.Counter
	SSEConnections   prometheus.Gauge
}

// New registers everything. db may be nil (no database gauges).
func New(db *store.DB, log *slog.Logger) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		WebhooksReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gohavi_webhooks_received_total", Help: "Webhook POSTs by outcome: stored, duplicate, bad_signature, too_large, error.",
		}, []string{"result"}),
		WebhooksApplied: prometheus.NewCounter(prometheus.CounterOpts{Name: "gohavi_webhook_events_applied_total", Help: "Stored webhook events applied."}),
		SSEConnections:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "gohavi_sse_connections", Help: "Open realtime streams on this node."}),
	}
	m.Registry.MustRegister(m.WebhooksReceived, m.WebhooksApplied, m.SSEConnections,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.Registry.MustRegister(&dbCollector{db: db, log: log})
	}
	return m
}

var (
	messagesDesc = prometheus.NewDesc("gohavi_messages", "Outbound messages by current status.", []string{"status"}, nil)
	queueDesc    = prometheus.NewDesc("gohavi_job_queue_depth", "Jobs waiting (available, scheduled or retryable) per queue.", []string{"queue"}, nil)
)

type dbCollector struct {
	db  *store.DB
	log *slog.Logger
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) { ch <- messagesDesc; ch <- queueDesc }

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if counts, err := c.db.CountMessagesByStatus(ctx); err == nil {
		for st, n := range counts {
			ch <- prometheus.MustNewConstMetric(messagesDesc, prometheus.GaugeValue, float64(n), string(st))
		}
	} else {
		c.log.Warn("metrics: message counts", "err", err)
	}
	if depth, err := c.db.JobQueueDepth(ctx); err == nil {
		for _, q := range []string{jobs.QueueTransactional, jobs.QueueMaintenance} {
			depth[q] += 0 // always export the known queues, even when empty
		}
		for q, n := range depth {
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), q)
		}
	} else {
		c.log.Warn("metrics: queue depth", "err", err)
	}
}
