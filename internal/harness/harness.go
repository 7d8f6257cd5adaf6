package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// Options are one run of a compiled plan.
type Options struct {
	Plan *scenarios.Plan
	// PlanDir resolves the plan's relative paths (identity files).
	PlanDir string
	// Surface is the plan's spec: the operations' spec locations, the
	// benign users' journey, the shadow monitor's routes.
	Surface scenarios.Surface
	Kinds   *generators.Registry
	// Target is where requests go; nil means the plan's base URL.
	Target *url.URL
	// Clock drives the run: nil is real time, a *vu.SimClock simulated
	// time.
	Clock vu.Clock
	// Client, when set, sends every request (an in-process transport);
	// nil means the network, allow-listed, one loopback source address
	// per identity.
	Client *http.Client
	// Handler, when set, serves every request in process (vu.Runner's
	// Handler): the simulated run's guard and target, called directly,
	// each identity's requests from its own loopback address. It takes
	// precedence over Client.
	Handler http.Handler
	// Seed makes the VUs' choices and think times reproducible.
	Seed    uint64
	Segment vu.Segment
	// MaxRequests and Rate bound the whole run (zero: vu's defaults, no
	// cap).
	MaxRequests int64
	Rate        float64
	// Grace lets requests in flight finish after an interrupt.
	Grace time.Duration
	// Capture keeps headers and bodies of every exchange for a replay
	// pack.
	Capture bool
	// Sources are the detection sources the oracle judges by; Shadow, when
	// set, is judged apart ("would the reference policy catch this?").
	Sources []Source
	Shadow  Source
	// Redactor receives the plan's secrets; nil makes one.
	Redactor *Redactor
	Logger   *slog.Logger
	// MaxInMemory bounds the recorder's memory (vu.Recorder).
	MaxInMemory int
	// Stream folds every exchange, as it completes, into the oracle's
	// tally, the report's series and the timeline file instead of holding
	// the timeline (simulate: memory stays flat over a simulated day).
	// Outcome.Timeline then has no exchanges (Outcome.Requests counts
	// them). It is ignored when something needs the whole timeline after
	// the run: a shadow monitor or Capture. Reports are the same bytes.
	Stream bool
	// Accounts, when set, stand in for the plan's generated pools (whose
	// names are placeholders): a simulated target's own accounts, handed
	// out in order, each to one pool.
	Accounts []scenarios.Identity
	// StandInKeys, when positive, stands in for the files of the plan's
	// static-credential pools (credential:) with that many placeholder
	// credentials each: a simulated target takes any key, and a generated
	// plan's key file is the user's to fill.
	StandInKeys int
}

// Harness is a plan ready to run once.
type Harness struct {
	o         Options
	clock     vu.Clock
	redact    *Redactor
	loads     []vu.Workload
	trackers  []*tracker
	scenarios []scenarios.Scenario
	ops       map[string][]reports.OperationReport
	signals   *signals
	captures  *captures
	runner    *vu.Runner
}

// New resolves the plan's identities and builds its workloads; nothing is
// sent yet.
func New(o Options) (*Harness, error) {
	if o.Plan == nil {
		return nil, errors.New("harness: no plan")
	}
	if o.Kinds == nil {
		return nil, errors.New("harness: no misuse kinds registered")
	}
	if o.Target == nil {
		o.Target = o.Plan.Target.BaseURL
	}
	if o.Target == nil {
		return nil, errors.New("harness: no target URL")
	}
	if o.Clock == nil {
		o.Clock = vu.RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Harness{o: o, clock: o.Clock, redact: o.Redactor, ops: map[string][]reports.OperationReport{},
		signals: &signals{}, captures: &captures{}}
	if h.redact == nil {
		h.redact = NewRedactor()
	}
	if err := h.build(); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	h.runner = &vu.Runner{
		Target: o.Target, Allow: o.Plan.Target.Allow, Client: o.Client, Handler: o.Handler, Clock: o.Clock,
		MaxRequests: o.MaxRequests, Rate: o.Rate, Burst: max(1, int(o.Rate/10)), Grace: o.Grace,
		Segment: o.Segment, Logger: o.Logger,
	}
	return h, nil
}

// Redactor is the run's redactor, holding the plan's secrets and the
// tokens seen so far.
func (h *Harness) Redactor() *Redactor { return h.redact }

// Scenarios are the attack scenarios the oracle judges, identities
// resolved.
func (h *Harness) Scenarios() []scenarios.Scenario { return h.scenarios }

// Workloads are the run's workloads, benign first.
func (h *Harness) Workloads() []vu.Workload { return h.loads }

// Describe is the dry run: the schedule of every workload in this
// segment, and the run's bounds.
func (h *Harness) Describe() string {
	s := vu.Describe(h.loads, h.o.Segment)
	budget := h.o.MaxRequests
	if budget <= 0 {
		budget = vu.DefaultMaxRequests
	}
	s += fmt.Sprintf("target %s (allowed: %v); at most %d requests", h.o.Target, h.o.Plan.Target.Allow, budget)
	if h.o.Rate > 0 {
		s += fmt.Sprintf(", at most %.0f per second", h.o.Rate)
	}
	s += fmt.Sprintf("; the plan runs %s at most\n", oracle.FormatDuration(h.window()))
	return s
}

// Stats are the live counters of every workload, for progress.
func (h *Harness) Stats() []vu.Snapshot { return h.runner.Stats() }

// Outcome is what a run left: the timeline with every source's decisions,
// the oracle's verdicts, and why the run stopped early if it did.
type Outcome struct {
	Timeline  scenarios.Timeline
	Scenarios []scenarios.Scenario
	Result    oracle.Result
	// Shadow is the oracle's verdict on the shadow monitor's decisions
	// alone, when a shadow ran beside other sources.
	Shadow *oracle.Result
	// Err is why the run did not complete (interrupted, budget spent, a
	// program failed); the timeline and verdicts are then partial.
	Err error
	// SourceErrs are the detection sources that failed: their decisions
	// may be missing.
	SourceErrs []error
	Sources    []string

	h *Harness
	// fold is a streamed run's exchanges, folded (Options.Stream).
	fold *fold
}

// Run starts the detection sources, runs every workload until done,
// interrupted (ctx) or out of budget, collects the sources' decisions and
// judges. It always returns an Outcome; Outcome.Err says whether the run
// completed.
func (h *Harness) Run(ctx context.Context) *Outcome {
	out := &Outcome{h: h, Scenarios: h.scenarios}
	srcCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	all := slices.Clone(h.o.Sources)
	if h.o.Shadow != nil {
		all = append(all, h.o.Shadow)
	}
	for _, s := range all {
		out.Sources = append(out.Sources, s.Name())
		if err := s.Start(srcCtx); err != nil {
			out.Err = fmt.Errorf("detection source %s: %w", s.Name(), err)
			return out
		}
	}
	rec := &vu.Recorder{MaxInMemory: h.o.MaxInMemory}
	defer rec.Close()
	if h.streams() {
		out.fold = newFold(h.redact)
		rec.Sink = out.fold.add
	}
	start := h.clock.Now()
	out.Err = h.runner.Run(ctx, h.loads, rec)
	end := h.clock.Now()
	if err := rec.Err(); err != nil && out.Err == nil {
		out.Err = err
	}
	tl := scenarios.Timeline{Start: start, End: end, Exchanges: rec.Exchanges(), Dropped: h.runner.Dropped()}
	if len(tl.Dropped) == 0 {
		tl.Dropped = nil
	}
	var shadow []scenarios.Decision
	for _, s := range all {
		ds, err := s.Decisions(srcCtx, tl)
		if err != nil {
			out.SourceErrs = append(out.SourceErrs, fmt.Errorf("detection source %s: %w", s.Name(), err))
		}
		if s == h.o.Shadow {
			shadow = ds
			continue
		}
		tl.Decisions = append(tl.Decisions, ds...)
	}
	tl.Decisions = append(tl.Decisions, h.signals.decisions()...)
	if len(h.o.Sources) == 0 && !h.hasSignals() {
		// The shadow is the only source: it is what the run is judged by.
		tl.Decisions = append(tl.Decisions, shadow...)
	} else if h.o.Shadow != nil {
		st := tl
		st.Decisions = shadow
		r := oracle.Judge(st, h.scenarios)
		out.Shadow = &r
	}
	slices.SortStableFunc(tl.Decisions, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	out.Timeline = tl
	if out.fold != nil {
		out.Result = out.fold.oracle.Judge(tl.Start, tl.End, tl.Decisions, h.scenarios)
	} else {
		out.Result = oracle.Judge(tl, h.scenarios)
	}
	return out
}

func (h *Harness) hasSignals() bool {
	for _, d := range h.o.Plan.Detection {
		if d.Type == "response" {
			return true
		}
	}
	return false
}

// Report is the run's report: verdicts, the traffic timeline, the spec
// locations of every abused operation, the sources listened to and, when
// a shadow ran beside them, its verdicts.
func (o *Outcome) Report(meta reports.Meta) reports.Report {
	rep := reports.New(meta, o.Result)
	rep.Timeline = o.timelineReport()
	rep.Sources = o.Sources
	if s := o.h.o.Segment; s.N > 1 {
		rep.Segment = s.String()
	}
	var shadow map[string]oracle.Verdict
	if o.Shadow != nil {
		shadow = map[string]oracle.Verdict{}
		for _, v := range o.Shadow.Verdicts {
			shadow[v.Scenario] = v
		}
	}
	for i := range rep.Scenarios {
		s := &rep.Scenarios[i]
		s.Operations = o.h.ops[s.ID]
		if v, ok := shadow[s.ID]; ok {
			s.Shadow = reports.ShadowOf(v)
		}
	}
	return rep
}

// Capture returns what was kept of an exchange, for the replay pack.
func (o *Outcome) Capture(corr string) (reports.Capture, bool) { return o.h.captures.get(corr) }
