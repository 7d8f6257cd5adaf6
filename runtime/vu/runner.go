package vu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/scenarios"
)

// Workload is a group of VUs running one scenario's Program.
type Workload struct {
	Scenario string
	Actor    scenarios.Actor
	VUs      int
	// Start delays the VUs from the start of the run; Duration bounds how
	// long they run after that. A VU also stops when its Program is done.
	Start    time.Duration
	Duration time.Duration
	// Think is drawn before every request after the first, on top of the
	// Program's own Step.Wait.
	Think scenarios.Think
	// Seed makes the think times reproducible.
	Seed uint64
	// Program returns the logic of VU vu (0-based).
	Program func(vu int) (scenarios.Program, error)
}

// Defaults for a Runner's zero fields.
const (
	DefaultMaxRequests = 200_000
	DefaultReadLimit   = 1 << 20
	DefaultTimeout     = 10 * time.Second
	DefaultUserAgent   = "abusegate"
)

// ErrBudget is returned when a run hit its request budget.
var ErrBudget = errors.New("request budget exhausted")

// Runner runs workloads in real time against a live target. Its zero
// fields take the defaults above; Target is required.
type Runner struct {
	Target *url.URL
	// Client sends the requests; nil means a client over NewTransport
	// allowing only Target's host.
	Client *http.Client
	Clock  Clock
	// MaxRequests bounds the requests of the whole run.
	MaxRequests int64
	// ReadLimit bounds how much of each answer is read.
	ReadLimit int64
	Timeout   time.Duration
	UserAgent string
	Logger    *slog.Logger

	sent atomic.Int64
}

// Run starts every workload's VUs and returns when all have stopped: their
// Program ended, their Duration passed, the budget ran out, or ctx was
// cancelled. Exchanges go to rec. It returns ErrBudget if the budget ran
// out, a Program construction error, or ctx's error.
func (r *Runner) Run(ctx context.Context, loads []Workload, rec *Recorder) error {
	if r.Target == nil {
		return errors.New("vu: no target URL")
	}
	r.defaults()
	start := r.Clock.Now()
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range loads {
		for i := range w.VUs {
			prog, err := w.Program(i)
			if err != nil {
				return fmt.Errorf("vu: %s vu %d: %w", w.Scenario, i, err)
			}
			g.Go(func() error {
				return r.runVU(gctx, w, i, prog, start.Add(w.Start+w.Duration), rec)
			})
		}
	}
	err := g.Wait()
	if err == nil && r.sent.Load() >= r.MaxRequests {
		return ErrBudget
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// Sent is how many requests the runner has sent.
func (r *Runner) Sent() int64 { return r.sent.Load() }

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
	if r.UserAgent == "" {
		r.UserAgent = DefaultUserAgent
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Client == nil {
		r.Client = &http.Client{
			Transport: NewTransport([]string{r.Target.Host}),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
}

func (r *Runner) runVU(ctx context.Context, w Workload, vu int, prog scenarios.Program, deadline time.Time, rec *Recorder) error {
	if err := r.Clock.Sleep(ctx, w.Start); err != nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(w.Seed, uint64(vu)))
	var prev *scenarios.Result
	for seq := 0; ; seq++ {
		step, ok := prog.Next(prev)
		if !ok {
			return nil
		}
		if seq > 0 {
			step.Wait += pause(w.Think, rng)
		}
		if wait := min(step.Wait, deadline.Sub(r.Clock.Now())); wait > 0 {
			if r.Clock.Sleep(ctx, wait) != nil {
				return nil
			}
		}
		if !r.Clock.Now().Before(deadline) || ctx.Err() != nil {
			return nil
		}
		if r.sent.Add(1) > r.MaxRequests {
			return nil
		}
		ex := scenarios.Exchange{
			Scenario:      w.Scenario,
			VU:            vu,
			Actor:         w.Actor,
			CorrelationID: fmt.Sprintf("%s-%d-%d", w.Scenario, vu, seq),
			Method:        step.Request.Method,
			Route:         step.Request.Route,
			Path:          step.Request.Path,
			Abusive:       step.Request.Abusive,
		}
		if sr, ok := prog.(scenarios.SessionReporter); ok {
			s := sr.Session()
			ex.Session, ex.Identity, ex.TokenID = s.ID, s.Identity, s.TokenID
		}
		res := r.do(ctx, step.Request, &ex)
		rec.Record(ex)
		prev = &res
	}
}

// do sends one request and fills in the exchange's times, status, outcome
// and leak.
func (r *Runner) do(ctx context.Context, req scenarios.Request, ex *scenarios.Exchange) scenarios.Result {
	res := scenarios.Result{Request: req}
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	u := r.Target.JoinPath()
	ref, err := url.Parse(req.Path)
	if err == nil {
		u = r.Target.ResolveReference(ref)
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return r.failed(ex, res, err)
	}
	for k, v := range req.Header {
		hreq.Header[k] = v
	}
	hreq.Header.Set(scenarios.CorrelationHeader, ex.CorrelationID)
	ua := hreq.Header.Get("User-Agent")
	if ua == "" {
		ua = r.UserAgent
	}
	hreq.Header.Set("User-Agent", ua+" ag/"+ex.CorrelationID)
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if host, _, err := net.SplitHostPort(info.Conn.LocalAddr().String()); err == nil {
				ex.Addr = host
			}
		},
		GotFirstResponseByte: func() { ex.FirstByte = r.Clock.Now() },
	}
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, trace))

	ex.Sent = r.Clock.Now()
	resp, err := r.Client.Do(hreq)
	if err != nil {
		return r.failed(ex, res, err)
	}
	defer resp.Body.Close()
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, r.ReadLimit))
	// Drain a bounded remainder so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, r.ReadLimit))
	ex.Done = r.Clock.Now()
	res.Status, res.Header = resp.StatusCode, resp.Header
	ex.Status, ex.Bytes = resp.StatusCode, int64(len(res.Body))
	if err != nil {
		res.Err = err
		ex.Err = err.Error()
	}
	if req.Judge != nil {
		ex.Outcome, ex.Leak = req.Judge(res)
	} else {
		ex.Outcome = scenarios.Classify(res.Status)
	}
	return res
}

func (r *Runner) failed(ex *scenarios.Exchange, res scenarios.Result, err error) scenarios.Result {
	now := r.Clock.Now()
	if ex.Sent.IsZero() {
		ex.Sent = now
	}
	ex.Done = now
	ex.Outcome = scenarios.OutcomeError
	ex.Err = err.Error()
	res.Err = err
	return res
}
