package harness

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Source is a detection source: something that tells the oracle when the
// run's abuse was noticed. The harness calls Start once before the first
// request and Decisions once after the last; Decisions stops the source.
type Source interface {
	// Name is how reports list the source, such as "guard-stream".
	Name() string
	// Start returns once the source is listening, so no decision of the
	// run is missed; ctx ends when the harness is done with it.
	Start(ctx context.Context) error
	// Decisions returns every decision the source saw about the run whose
	// timeline (exchanges only) is tl.
	Decisions(ctx context.Context, tl scenarios.Timeline) ([]scenarios.Decision, error)
}

// Shadow is the built-in monitor run in process over the harness's own
// exchanges once they are done: "would our reference policy catch this?".
// It sees what the harness sent and got back, and of the bodies what the
// guard would read (the username a login tried, the coupon code and cart of
// a redemption, the units an add-to-cart holds: see guard.Business), and
// contains nothing: its decisions are never enforced.
type Shadow struct {
	Surface scenarios.Surface
	Config  monitor.Config
	// LoginPath marks login exchanges, whose identity is the username
	// tried when the body did not say.
	LoginPath string

	once sync.Once
	log  *businessLog
}

// bodies is where the harness notes the business fields of the requests it
// sends, for Decisions to read.
func (s *Shadow) bodies() *businessLog {
	s.once.Do(func() { s.log = newBusinessLog(s.Surface) })
	return s.log
}

var _ Source = (*Shadow)(nil)

// Name implements Source.
func (*Shadow) Name() string { return "shadow-monitor" }

// Start implements Source.
func (*Shadow) Start(context.Context) error { return nil }

// Decisions implements Source: it replays tl's exchanges in send order.
func (s *Shadow) Decisions(_ context.Context, tl scenarios.Timeline) ([]scenarios.Decision, error) {
	cfg := s.Config
	if cfg.IDPrefix == "" {
		cfg.IDPrefix = "shadow"
	}
	mon := monitor.New(s.Surface, cfg)
	xs := slices.Clone(tl.Exchanges)
	slices.SortStableFunc(xs, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	var out []scenarios.Decision
	for _, x := range xs {
		if x.Status == 0 {
			continue
		}
		ev := scenarios.Event{
			Time: x.Sent, Method: x.Method, Path: x.Path, Identity: x.Identity, TokenID: x.TokenID, Addr: x.Addr,
			Status: x.Status, Bytes: x.Bytes, Latency: x.Done.Sub(x.Sent), Fingerprint: x.Fingerprint,
		}
		s.bodies().fill(x.CorrelationID, &ev)
		if ev.Username == "" && x.Method == http.MethodPost && s.LoginPath != "" && x.Route == s.LoginPath {
			ev.Username = x.Identity
		}
		if x.TokenID != "" && x.Identity != "" {
			mon.Learn(x.TokenID, x.Identity)
		}
		// As the guard does, what can be judged before serving is scored
		// first: a request's shape (an oversized page, an add-to-cart past
		// what its sender may hold), a step without its required
		// predecessor, a sign-up past its source's limit.
		for _, d := range append(mon.InspectRequest(ev), mon.Observe(ev)...) {
			d.Enforced = false
			out = append(out, d)
		}
	}
	return out, nil
}

// Guarded is an in-process guard's decision log as a source (simulate,
// demo): the guard stood in front of the target and decided as it went.
type Guarded struct {
	// Log returns every decision so far, such as (*guard.Guard).Decisions.
	Log func() []scenarios.Decision
}

var _ Source = Guarded{}

// Name implements Source.
func (Guarded) Name() string { return "guard" }

// Start implements Source.
func (Guarded) Start(context.Context) error { return nil }

// Decisions implements Source.
func (g Guarded) Decisions(context.Context, scenarios.Timeline) ([]scenarios.Decision, error) {
	return g.Log(), nil
}
