package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// DecisionHeader names the decision that denied a request, so the harness
// and humans can tell the guard's answer from the target's own.
const DecisionHeader = "X-Abusegate-Decision"

// ChallengeHeader carries the decision id of a challenge (401): a client
// that can prove it is a person (captcha, step-up login) is let through by
// lifting that decision through the admin API.
const ChallengeHeader = "X-Abusegate-Challenge"

// Options configure a Guard.
type Options struct {
	// Mode is required: Off, Observe or Enforce.
	Mode Mode
	// Now is the guard's clock for latencies and decision expiry; tests and
	// simulations inject their own. Nil means the wall clock.
	Now func() time.Time
	// Logger receives the guard's operational messages; nil discards them.
	Logger *slog.Logger
	// Surface tells the guard which operations are the login and coupon
	// ones, whose bodies it reads, and which auth schemes carry
	// credentials (API key header, session cookie).
	Surface scenarios.Surface
	// Store holds live decisions; nil means a MemoryStore. A shared store
	// (Redis) lets replicas contain each other's subjects.
	Store Store
	// Share, when set, exchanges observations with the other replicas so
	// every replica's monitor counts all of their traffic (Guard.Run runs
	// it); Store shares the decisions.
	Share Sharer
	// FailClosed denies every request while the store is unreachable;
	// by default the guard fails open and keeps what it decided itself.
	FailClosed bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// GeoHeader names the request header carrying a location hint.
	GeoHeader string
	// SessionCookie names the session cookie, when the Surface does not.
	SessionCookie string
	// Transport reaches the upstream; nil means a tuned one (many idle
	// connections per host, HTTP keep-alive).
	Transport http.RoundTripper
}

// withDefaults is the one place where the guard's defaults live.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Store == nil {
		o.Store = NewMemoryStore(0)
	}
	if o.Transport == nil {
		o.Transport = tunedTransport()
	}
	return o
}

// tunedTransport keeps enough idle connections to one upstream for a busy
// proxy: the default keeps 2, so most requests would dial.
func tunedTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// bufferPool recycles the proxy's copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// Guard is an http.Handler that proxies to one upstream (or wraps a
// handler, see Middleware), reports each exchange to a monitor.Monitor
// and, in Enforce mode, applies the live decisions on its subjects. It is
// safe for concurrent use.
type Guard struct {
	mode       Mode
	now        func() time.Time
	log        *slog.Logger
	mon        *monitor.Monitor
	router     *monitor.Router
	proxy      http.Handler
	ext        extractor
	store      Store
	share      Sharer
	local      *MemoryStore
	failClosed bool
	decisions  *decisionLog
	broker     *broker
	metrics    *metrics
	buckets    *buckets
	lastWarn   atomic.Int64
	docs       docCache
	devices    *deviceCache
}

var _ http.Handler = (*Guard)(nil)

// New builds a Guard in front of upstream. mon may be nil only in Off
// mode.
func New(upstream *url.URL, mon *monitor.Monitor, opts Options) (*Guard, error) {
	if upstream == nil || upstream.Scheme == "" || upstream.Host == "" {
		return nil, fmt.Errorf("guard: upstream %v: want an absolute URL", upstream)
	}
	g, err := NewMiddleware(mon, opts)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
		},
		Transport:    opts.Transport,
		BufferPool:   &bufferPool{},
		ErrorHandler: g.upstreamError,
		ErrorLog:     slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return g, nil
}

// NewMiddleware builds a Guard without an upstream, for Middleware.
func NewMiddleware(mon *monitor.Monitor, opts Options) (*Guard, error) {
	opts = opts.withDefaults()
	switch {
	case !opts.Mode.valid():
		return nil, fmt.Errorf("guard: invalid mode %v", opts.Mode)
	case mon == nil && opts.Mode != Off:
		return nil, fmt.Errorf("guard: mode %v needs a monitor", opts.Mode)
	}
	g := &Guard{
		mode: opts.Mode, now: opts.Now, log: opts.Logger, mon: mon,
		ext: newExtractor(opts), store: opts.Store, share: opts.Share, local: NewMemoryStore(0), failClosed: opts.FailClosed,
		decisions: &decisionLog{max: 100_000}, broker: newBroker(), metrics: newMetrics(),
		proxy: http.NotFoundHandler(), devices: newDeviceCache(),
	}
	if c, ok := opts.Share.(prometheus.Collector); ok {
		g.metrics.reg.MustRegister(c)
	}
	if mon != nil {
		g.router = mon.Router()
		g.buckets = newBuckets(mon.Policy())
	} else {
		g.router = monitor.NewRouter(opts.Surface)
	}
	return g, nil
}

// Middleware guards next: Go services put the guard in process instead of
// in front of them.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.serve(w, r, next) })
}

// Mode returns the mode the guard runs in.
func (g *Guard) Mode() Mode { return g.mode }

// Decisions returns a copy of every decision the monitor made through this
// guard (the most recent 100,000), in time order, for the timeline.
func (g *Guard) Decisions() []scenarios.Decision {
	out := g.decisions.snapshot()
	slices.SortStableFunc(out, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	return out
}

// ServeHTTP proxies one request to the upstream.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.serve(w, r, g.proxy) }

func (g *Guard) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if g.mode == Off {
		next.ServeHTTP(w, r)
		return
	}
	start := g.now()
	var ev scenarios.Event
	mt := g.event(r, start, &ev)
	op := mt.Op
	st := getScratch()
	defer putScratch(st)
	if op == nil {
		if q := g.graphQL(r); q != nil {
			g.serveGraphQL(w, r, next, ev, q, st, start)
			return
		}
	}
	scored := g.eventMatch(r, &ev, mt)
	if op != nil && (r.URL.RawQuery != "" || ev.Units > 0 || g.mon.InspectsBeforeServing(op)) {
		// A request's own shape (an oversized page, an add-to-cart past
		// what its sender may hold, a step the spec requires another
		// before, a sign-up from a source past its limit) is scored before
		// it is served, so the decision refuses the request itself.
		g.record(r.Context(), g.mon.InspectRequestMatched(&ev, scored))
	}
	if g.mode == Enforce {
		if code := g.enforce(w, r, &ev, &st.subjects, false); code != 0 {
			// The guard's own answers count too: an abuser who keeps going
			// while contained has the evidence waiting when the decision
			// ends, and escalates at once instead of starting afresh.
			ev.Status, ev.Latency = code, g.now().Sub(start)
			g.observeMatched(r.Context(), &ev, scored)
			return
		}
	}
	login := op != nil && op.Has(scenarios.RoleLogin)
	rec := &st.rec
	rec.ResponseWriter, rec.capture = w, login
	next.ServeHTTP(rec, r)
	ev.Status, ev.Bytes = rec.statusCode(), rec.bytes
	if login && ev.Status >= 200 && ev.Status < 300 && ev.Username != "" {
		g.learn(rec, ev.Username)
	}
	ev.Latency = g.now().Sub(start)
	g.metrics.passed.Inc()
	g.observeMatched(r.Context(), &ev, scored)
}

// event fills ev, zero, with what the guard knows of a request before its
// answer: who sent it and, for the Surface's login and coupon operations,
// the business fields of its body. It returns what the request's URL path
// matched: its Op is the operation the request exercised, nil when none.
// It fills the caller's event rather than returning one: an Event is some
// 350 bytes, and returning it copied them twice a request.
func (g *Guard) event(r *http.Request, at time.Time, ev *scenarios.Event) monitor.Match {
	ev.Time, ev.Method, ev.Path = at, r.Method, requestPath(r)
	fp, corr, auth := g.devices.fingerprint(r.Header)
	ev.TokenID, ev.Identity = g.ext.credential(r, auth)
	if ev.Identity == "" {
		ev.Identity = g.mon.Identity(ev.TokenID)
	}
	ev.Addr = g.ext.addr(r)
	ev.Fingerprint, ev.CorrelationID = fp, corr
	ev.Geo = g.ext.geo(r.Header)
	mt, _ := g.router.Match(r.Method, r.URL.Path)
	business(r, mt.Op, ev)
	return mt
}

// eventMatch is what ev's path matches, by which the monitor scores the
// request, given mt, the match of the request's URL path: the same unless
// ev's path is the raw request URI and spells the path otherwise
// (escaped), when it is matched again.
func (g *Guard) eventMatch(r *http.Request, ev *scenarios.Event, mt monitor.Match) monitor.Match {
	path := ev.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == r.URL.Path {
		return mt
	}
	mt, _ = g.router.Match(ev.Method, ev.Path)
	return mt
}

// scratch is one request's working memory, recycled so the request path
// allocates little: the recorder wrapping the client's writer and the
// subjects a decision is looked up by. A handler must not use its
// ResponseWriter after ServeHTTP returns, so the recorder is free then.
type scratch struct {
	rec      recorder
	subjects [5]scenarios.Subject
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	body := s.rec.body
	body.Reset()
	*s = scratch{}
	if body.Cap() <= gqlMaxBody {
		s.rec.body = body
	}
	scratchPool.Put(s)
}

// requestPath is the path with its query, which the monitor reads pages
// from, without allocating for a server request.
func requestPath(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.Path
	}
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.Path + "?" + r.URL.RawQuery
}

// learn ties the token (or session cookie) a successful login issued to
// the username that logged in.
func (g *Guard) learn(rec *recorder, username string) {
	if tok := issuedToken(rec.body.Bytes()); tok != "" {
		g.learnToken(scenarios.TokenID(tok), username)
	}
	if g.ext.cookie == "" {
		return
	}
	for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
		if c.Name == g.ext.cookie && c.Value != "" {
			g.learnToken(scenarios.TokenID(c.Value), username)
		}
	}
}

// record logs, publishes and, when enforcing, stores new decisions. It
// is inlined: most requests decide nothing.
func (g *Guard) record(ctx context.Context, ds []scenarios.Decision) {
	if len(ds) > 0 {
		g.recordAll(ctx, ds)
	}
}

func (g *Guard) recordAll(ctx context.Context, ds []scenarios.Decision) {
	for i := range ds {
		d := &ds[i]
		d.Enforced = g.mode == Enforce && d.Action.Contains()
		g.metrics.decision(d.Detector, d.Action.String())
		g.log.Info("guard decision", "id", d.ID, "subject", d.Subject.String(), "action", d.Action.String(),
			"detector", d.Detector, "score", d.Score, "reason", d.Reason, "enforced", d.Enforced)
		if d.Enforced {
			_ = g.local.Put(ctx, *d)
			if err := g.store.Put(ctx, *d); err != nil {
				g.storeFailed("put", err)
			}
		}
		g.broker.publish(*d)
	}
	g.decisions.add(ds)
}

// storeFailed counts a store error and logs it at most once a second.
func (g *Guard) storeFailed(op string, err error) {
	g.metrics.storeErrors.Inc()
	now := g.now().UnixNano()
	if last := g.lastWarn.Load(); now-last >= int64(time.Second) && g.lastWarn.CompareAndSwap(last, now) {
		g.log.Warn("guard: decision store unavailable", "op", op, "fail_closed", g.failClosed, "err", err)
	}
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
