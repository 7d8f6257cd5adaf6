package vu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for a Runner's zero fields.
const (
	DefaultMaxRequests = 200_000
	DefaultReadLimit   = 1 << 20
	DefaultTimeout     = 10 * time.Second
	DefaultUserAgent   = "abusegate"
	DefaultGrace       = 5 * time.Second
	DefaultWorkers     = 1024
)

// ErrBudget is returned when a run hit its request budget.
var ErrBudget = errors.New("request budget exhausted")

// Runner runs workloads against a live target. Its zero fields take the
// defaults above; Target is required. A Runner runs once.
type Runner struct {
	Target *url.URL
	// Allow lists the hosts ("host:port" or "host") requests and redirects
	// may reach besides Target's; every one must resolve to loopback.
	Allow []string
	// Client, when set, sends every request (no source binding); nil means
	// clients over NewTransport built per source address.
	Client *http.Client
	// Handler, when set, serves every request in process: the engine
	// calls it directly with a server-side request from the identity's
	// source address, over reused buffers, with no client, connection or
	// goroutine (simulated runs). Cookies and redirects work as over the
	// network; Client is then unused.
	Handler http.Handler
	// Clock gives time; a *SimClock turns the run into a deterministic
	// discrete-event loop that never waits. The loop alone moves it,
	// between steps: a step and its exchanges are stamped with the
	// instant the loop moved it to (a Handler's answer takes no time).
	Clock Clock
	// MaxRequests bounds the requests of the whole run.
	MaxRequests int64
	// Rate caps the requests per second of the whole run (a token bucket
	// of Burst); zero means no cap beyond the schedules.
	Rate  float64
	Burst int
	// ReadLimit bounds how much of each answer is read.
	ReadLimit int64
	// Timeout bounds each request.
	Timeout time.Duration
	// Grace lets requests in flight finish after ctx is cancelled.
	Grace     time.Duration
	UserAgent string
	// Workers bounds the goroutines sending requests at once; the pool
	// grows on demand up to it.
	Workers int
	// Segment is this runner's share of the plan; zero is all of it.
	Segment Segment
	// TLS configures HTTPS targets; InsecureSkipVerify is honoured only
	// when set here, never by default.
	TLS *tls.Config
	// IdleConnTimeout closes connections idle that long (paced VUs should
	// not hold one each).
	IdleConnTimeout time.Duration
	// HTTP picks the client: the lean HTTP/1.1 client for plain-HTTP
	// targets unless told otherwise.
	HTTP   ClientKind
	Logger *slog.Logger

	sent   atomic.Int64
	mu     sync.Mutex
	execs  []*execution
	allow  []string
	limit  *bucket
	client *http.Client
	srcs   sources
}

// Run starts every workload's executor and returns when all are done:
// their VUs stopped, the budget ran out, or ctx was cancelled (then VUs
// stop, requests in flight get Grace to finish). Exchanges go to rec. It
// returns ErrBudget if the budget ran out, a schedule or Program error, or
// ctx's error.
func (r *Runner) Run(ctx context.Context, loads []Workload, rec *Recorder) error {
	if r.Target == nil {
		return errors.New("vu: no target URL")
	}
	if err := r.Segment.Validate(); err != nil {
		return fmt.Errorf("vu: %w", err)
	}
	var errs []error
	for _, w := range loads {
		errs = append(errs, w.validate())
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.defaults()
	e := &engine{r: r, clock: r.Clock, wake: make(chan struct{}, 1), ready: make(chan *vuState), max: r.Workers}
	e.virtual, _ = r.Clock.(virtualClock)
	e.base = newBaseURL(r.Target)
	e.wall = RealClock{}.Now
	e.leanHTTP = r.Handler == nil && (r.HTTP == LeanHTTP || (r.HTTP == AutoHTTP && r.Client == nil))
	reqCtx, cancelReq := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReq()
	e.reqCtx = reqCtx
	e.rec = rec

	t0 := r.Clock.Now()
	e.epoch = t0
	e.mu.Lock()
	r.mu.Lock()
	srcBase := 0
	for _, w := range loads {
		x := newExecution(w, r.Segment, t0)
		x.srcBase = srcBase
		srcBase += w.identities()
		r.execs = append(r.execs, x)
		x.schedule(e)
	}
	r.mu.Unlock()
	e.mu.Unlock()

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		e.stop()
		t := time.NewTimer(r.Grace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cancelReq()
			r.srcs.abort()
		}
	}()
	go r.reapIdle(done)
	e.loop(ctx)
	r.srcs.closeIdle(true)

	switch {
	case e.err != nil:
		return e.err
	case ctx.Err() != nil:
		return ctx.Err()
	case e.budget.Load():
		return ErrBudget
	}
	return nil
}

// reapIdle closes the connections idle past IdleConnTimeout until done,
// so paced VUs do not hold connections between their requests.
func (r *Runner) reapIdle(done <-chan struct{}) {
	t := time.NewTicker(max(r.IdleConnTimeout/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.srcs.closeIdle(false)
		}
	}
}

// ClientKind is which HTTP client a Runner sends with.
type ClientKind int

// Client kinds.
const (
	// AutoHTTP sends plain-HTTP requests over the lean HTTP/1.1 client and
	// everything else (TLS, HTTP/2, a Runner's own Client) over net/http.
	AutoHTTP ClientKind = iota
	// NetHTTP sends every request over net/http.
	NetHTTP
	// LeanHTTP is AutoHTTP, but also with a Runner's own Client for
	// plain-HTTP requests (the Client then serves only the others).
	LeanHTTP
)

var clientKindNames = [...]string{"auto", "net/http", "lean"}

func (k ClientKind) String() string {
	if k >= 0 && int(k) < len(clientKindNames) {
		return clientKindNames[k]
	}
	return fmt.Sprintf("ClientKind(%d)", int(k))
}

// Sent is how many requests the runner has sent.
func (r *Runner) Sent() int64 { return min(r.sent.Load(), r.MaxRequests) }

// Stats returns every scenario's counters now; safe during a run.
func (r *Runner) Stats() []Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Snapshot, 0, len(r.execs))
	for _, x := range r.execs {
		out = append(out, x.stats.snapshot())
	}
	return out
}

// Dropped is the arrival-rate iterations dropped per scenario, for
// scenarios.Timeline.Dropped.
func (r *Runner) Dropped() map[string]int64 {
	out := map[string]int64{}
	for _, s := range r.Stats() {
		if s.Dropped > 0 {
			out[s.Scenario] += s.Dropped
		}
	}
	return out
}

func (r *Runner) defaults() {
	if r.Clock == nil {
		r.Clock = RealClock{}
	}
	if r.MaxRequests <= 0 {
		r.MaxRequests = DefaultMaxRequests
	}
	if r.ReadLimit <= 0 {
		r.ReadLimit = DefaultReadLimit
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.Grace <= 0 {
		r.Grace = DefaultGrace
	}
	if r.UserAgent == "" {
		r.UserAgent = DefaultUserAgent
	}
	if r.Workers <= 0 {
		r.Workers = DefaultWorkers
	}
	if r.IdleConnTimeout <= 0 {
		r.IdleConnTimeout = 30 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	r.allow = append([]string{r.Target.Host}, r.Allow...)
	if r.Rate > 0 {
		r.limit = newBucket(r.Rate, r.Burst)
	}
	r.client = r.Client
	if r.client == nil {
		r.client = r.newClient(r.srcs.transport(r, ""), nil)
	}
}
