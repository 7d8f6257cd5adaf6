package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// DecisionHeader names the decision that denied a request, so the harness
// and humans can tell the guard's 403 from the target's own.
const DecisionHeader = "X-Abusegate-Decision"

// Options configure a Guard.
type Options struct {
	// Mode is required: Off, Observe or Enforce.
	Mode Mode
	// Now is the guard's clock for latencies and decision expiry; tests and
	// simulations inject their own. Nil means the wall clock.
	Now func() time.Time
	// Logger receives the guard's operational messages; nil discards them.
	Logger *slog.Logger
	// Surface tells the guard which operation is the login, whose exchange
	// ties tokens to identities and which a blocked identity may not use.
	Surface scenarios.Surface
}

// withDefaults is the one place where the guard's defaults live.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Guard is an http.Handler that proxies to one upstream, reports each
// exchange to a monitor.Monitor and, in Enforce mode, denies the subjects
// of live block decisions. It is safe for concurrent use.
type Guard struct {
	mode   Mode
	now    func() time.Time
	log    *slog.Logger
	mon    *monitor.Monitor
	router *monitor.Router
	proxy  *httputil.ReverseProxy
	store  *store
}

var _ http.Handler = (*Guard)(nil)

// New builds a Guard in front of upstream. mon may be nil only in Off
// mode.
func New(upstream *url.URL, mon *monitor.Monitor, opts Options) (*Guard, error) {
	opts = opts.withDefaults()
	switch {
	case upstream == nil || upstream.Scheme == "" || upstream.Host == "":
		return nil, fmt.Errorf("guard: upstream %v: want an absolute URL", upstream)
	case !opts.Mode.valid():
		return nil, fmt.Errorf("guard: invalid mode %v", opts.Mode)
	case mon == nil && opts.Mode != Off:
		return nil, fmt.Errorf("guard: mode %v needs a monitor", opts.Mode)
	}
	g := &Guard{
		mode:   opts.Mode,
		now:    opts.Now,
		log:    opts.Logger,
		mon:    mon,
		router: monitor.NewRouter(opts.Surface),
		store:  newStore(),
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
		},
		ModifyResponse: g.modifyResponse,
		ErrorHandler:   g.upstreamError,
		ErrorLog:       slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return g, nil
}

// Mode returns the mode the guard runs in.
func (g *Guard) Mode() Mode { return g.mode }

// Decisions returns a copy of every decision the monitor made through this
// guard, in time order, for the timeline.
func (g *Guard) Decisions() []scenarios.Decision { return g.store.decisions() }

// exchange is what ServeHTTP tells modifyResponse about a request.
type exchange struct {
	login    bool
	username string
}

type exchangeKey struct{}

// ServeHTTP proxies one request, denying it first when its subject is
// blocked, and reports the exchange to the monitor.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.mode == Off {
		g.proxy.ServeHTTP(w, r)
		return
	}
	start := g.now()
	tokID := scenarios.TokenID(bearerToken(r.Header))
	addr := clientAddr(r.RemoteAddr)
	identity := g.mon.Identity(tokID)
	x := &exchange{}
	if op := g.loginOp(r); op != nil {
		x.login = true
		x.username = loginUsername(r, usernameField(op))
	}
	if g.mode == Enforce {
		if d, ok := g.store.blocked(start,
			scenarios.Subject{Kind: scenarios.SubjectToken, Value: tokID},
			scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: identity},
			scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: x.username},
			scenarios.Subject{Kind: scenarios.SubjectAddress, Value: addr},
		); ok {
			g.deny(w, d)
			return
		}
	}
	rec := &recorder{ResponseWriter: w}
	g.proxy.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	end := g.now()
	ds := g.mon.Observe(scenarios.Event{
		Time: start, Method: r.Method, Path: r.URL.Path, Identity: identity, TokenID: tokID, Addr: addr,
		Status: rec.statusCode(), Bytes: rec.bytes, Latency: end.Sub(start),
	})
	for i := range ds {
		ds[i].Enforced = g.mode == Enforce
		g.log.Info("guard decision", "id", ds[i].ID, "subject", ds[i].Subject.String(),
			"action", ds[i].Action.String(), "detector", ds[i].Detector, "reason", ds[i].Reason,
			"enforced", ds[i].Enforced)
	}
	g.store.add(ds, end)
}

// loginOp returns the Surface's login operation the request exercises, if
// any.
func (g *Guard) loginOp(r *http.Request) *scenarios.Operation {
	m, ok := g.router.Match(r.Method, r.URL.Path)
	if !ok || m.Op == nil || !m.Op.Has(scenarios.RoleLogin) {
		return nil
	}
	return m.Op
}

// modifyResponse learns the token a successful login issued.
func (g *Guard) modifyResponse(resp *http.Response) error {
	x, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if x == nil || !x.login || x.username == "" || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	if tok := issuedToken(resp); tok != "" {
		g.mon.Learn(scenarios.TokenID(tok), x.username)
	}
	return nil
}

// deniedBody is the JSON a denied request gets.
type deniedBody struct {
	Error    string `json:"error"`
	Decision string `json:"decision"`
}

func (g *Guard) deny(w http.ResponseWriter, d scenarios.Decision) {
	g.log.Debug("guard denied", "decision", d.ID, "subject", d.Subject.String())
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(DecisionHeader, d.ID)
	w.WriteHeader(http.StatusForbidden)
	_ = json.NewEncoder(w).Encode(deniedBody{Error: "blocked by abusegate guard", Decision: d.ID})
}

func (g *Guard) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		g.log.Debug("guard: client went away", "method", r.Method, "path", r.URL.Path)
	} else {
		g.log.Warn("guard: upstream failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte(`{"error":"upstream unavailable"}` + "\n"))
}

// bearerToken returns the token of an "Authorization: Bearer" header, ""
// when there is none.
func bearerToken(h http.Header) string {
	scheme, tok, ok := strings.Cut(h.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// clientAddr is the host part of a RemoteAddr. Forwarding headers are not
// trusted: a client could set them to dodge an address block.
func clientAddr(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
