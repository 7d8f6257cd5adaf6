package guard

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/abusegate/abusegate/scenarios"
)

// metrics are the guard's Prometheus series, on a registry of its own so
// several guards in one process (tests, replicas) never collide.
type metrics struct {
	reg       *prometheus.Registry
	passed    prometheus.Counter
	deniedVec *prometheus.CounterVec
	// deniedBy caches deniedVec's counter of each action, made at its
	// first denial (so the series appear as they did without the cache):
	// a refusal then costs an atomic add, not a label lookup.
	deniedBy    [8]atomic.Pointer[prometheus.Counter]
	decisions   *prometheus.CounterVec
	storeErrors prometheus.Counter
	logLines    *prometheus.CounterVec
	// graphqlReqs counts GraphQL requests by what the guard made of them
	// (resolved, malformed, unreadable, no-operation); graphqlFields the
	// fields it resolved, each one event.
	graphqlReqs   *prometheus.CounterVec
	graphqlFields prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		passed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "abusegate_guard_requests_passed_total", Help: "Requests the guard let through to the upstream.",
		}),
		deniedVec: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_requests_denied_total", Help: "Requests the guard answered itself, by action.",
		}, []string{"action"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_decisions_total", Help: "Decisions the monitor made through this guard.",
		}, []string{"detector", "action"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "abusegate_guard_store_errors_total", Help: "Decision store operations that failed (the guard failed open or closed).",
		}),
		logLines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_access_log_lines_total", Help: "Access log lines read in passive mode, by outcome (observed, skipped).",
		}, []string{"outcome"}),
		graphqlReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_graphql_requests_total",
			Help: "GraphQL requests by what the guard read of them: resolved, malformed (some document unreadable), unreadable (passed through unparsed), no-operation.",
		}, []string{"outcome"}),
		graphqlFields: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "abusegate_guard_graphql_fields_total", Help: "Top-level GraphQL fields resolved to operations (aliases and batch elements each count).",
		}),
	}
	m.reg.MustRegister(m.passed, m.deniedVec, m.decisions, m.storeErrors, m.logLines, m.graphqlReqs, m.graphqlFields)
	return m
}

// denied counts a request the guard answered itself because of action.
func (m *metrics) denied(action scenarios.Action) {
	if action < 0 || int(action) >= len(m.deniedBy) {
		m.deniedVec.WithLabelValues(action.String()).Inc()
		return
	}
	slot := &m.deniedBy[action]
	c := slot.Load()
	if c == nil {
		c = new(prometheus.Counter)
		*c = m.deniedVec.WithLabelValues(action.String())
		slot.Store(c)
	}
	(*c).Inc()
}

func (m *metrics) graphql(outcome string) { m.graphqlReqs.WithLabelValues(outcome).Inc() }
func (m *metrics) decision(detector, action string) {
	m.decisions.WithLabelValues(detector, action).Inc()
}
