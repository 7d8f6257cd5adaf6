package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/internal/harness"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// simEpoch is when every simulated run starts, so reports of the same plan
// and seed are byte-identical.
var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// simulationGCPercent is the garbage collector's target while a
// simulation runs: a collection when the heap has grown to five times what
// survived the last one, not twice. A simulation is a batch job that
// allocates a little per request and keeps little (a day of 380,000
// requests lives in ~90 MB), so the collector's marking was about an
// eighth of its CPU; this trades some tens of megabytes for it (the 24 h
// plan: 87-90 -> 146-166 MB peak, 12-13% less CPU).
const simulationGCPercent = 400

// simulationGC sets the collector's target for a simulation, unless the
// user set GOGC, and returns what restores it.
func simulationGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(simulationGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// simulateOptions are simulate's flags.
type simulateOptions struct {
	config      string
	duration    time.Duration
	seed        uint64
	guardMode   string
	policy      string
	reportDir   string
	formats     []string
	segment     string
	maxRequests int64
	dryRun      bool
	replay      bool
	model       string
}

func newSimulate(std stdio) *cobra.Command {
	var o simulateOptions
	cmd := &cobra.Command{
		Use:   "simulate [-c abusegate.yaml] [--duration 24h] [--seed N]",
		Short: "Run a plan in simulated time against the built-in monitor and guard, no network",
		Long: `simulate runs the plan's scenarios and benign users in simulated time: a
discrete-event loop drives the same virtual users as run, over an in-process
transport, through the built-in guard and monitor (--policy) to a target
model (--target-model):

  auto      the demo shop when the plan's spec is the demo shop's (or the
            plan names no spec), else the spec-driven responder (default)
  demoshop  the embedded demo shop, whose accounts stand in for the plan's
            generated identity pools
  spec      a responder that answers from the plan's spec: routes by path
            template, bodies from the spec's examples or synthesized from
            its schemas (seeded), ids of paths echoed, logins that issue
            tokens, paged collections, 401 without credentials, carts,
            coupons and checkouts, GraphQL documents projected onto their
            selections, and none of the spec's business rules; no server
            is needed for any OpenAPI spec or GraphQL schema

Every think time, window and TTL runs on the virtual clock, so a day of
low-and-slow scraping takes seconds, and the same plan and seed give
byte-identical reports. --duration stretches every workload of the plan to
run that long (from its start). The oracle, SLAs, reports and exit codes
are run's; the report says it was simulated, and against what.

Tune a policy offline here, then confirm it against staging with run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd.Context(), cmd, std, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "abusegate.yaml", "the misuse plan")
	f.DurationVar(&o.duration, "duration", 0, "run every workload this long in simulated time (default: the plan's durations)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the shop's data and the VUs' choices")
	f.StringVar(&o.guardMode, "guard", "enforce", "guard mode: enforce, observe or off")
	f.StringVar(&o.policy, "policy", "", "policy YAML of the monitor (default: the embedded policy)")
	f.StringVar(&o.reportDir, "report-dir", "abusegate-report", "directory the reports are written into")
	f.StringSliceVar(&o.formats, "format", defaultFormats, "report formats: json, md, html, junit, sarif, table")
	f.StringVar(&o.segment, "segment", "", "simulate only this runner's share of the plan, i/n")
	f.Int64Var(&o.maxRequests, "max-requests", 50_000_000, "request budget of the whole simulated run")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the schedule without simulating")
	f.BoolVar(&o.replay, "replay", false, "also write an attack replay pack")
	f.StringVar(&o.model, "target-model", modelAuto, "what answers: auto, demoshop or spec (a responder answering from the plan's spec)")
	return cmd
}

// simulation is a prepared simulated run.
type simulation struct {
	h      *harness.Harness
	guard  *guard.Guard
	mode   guard.Mode
	target simTarget
}

// prepareSimulation wires plan -> harness over a SimClock and an
// in-process guard + monitor + target model (demo shop or responder).
func prepareSimulation(lp loadedPlan, o simulateOptions) (*simulation, error) {
	mode, err := guard.ParseMode(o.guardMode)
	if err != nil {
		return nil, err
	}
	seg, err := parseSegment(o.segment)
	if err != nil {
		return nil, err
	}
	if o.duration > 0 {
		stretch(lp.plan, o.duration)
	}
	cfg := monitor.Config{IDPrefix: "sim"}
	if o.policy != "" {
		if cfg.Policy, err = monitor.LoadPolicy(o.policy); err != nil {
			return nil, err
		}
	}
	clock := vu.NewSimClock(simEpoch)
	model, err := chooseModel(o.model, lp.surface)
	if err != nil {
		return nil, err
	}
	target := demoshopTarget(lp, o.seed)
	if model == modelSpec {
		if target, err = specTarget(lp, o.seed); err != nil {
			return nil, err
		}
	}
	handler := target.handler
	var gd *guard.Guard
	if mode != guard.Off {
		gd, err = guard.NewMiddleware(monitor.New(lp.surface, cfg), guard.Options{Mode: mode, Now: clock.Now, Surface: lp.surface})
		if err != nil {
			return nil, err
		}
		handler = gd.Middleware(target.handler)
	}
	opts := harness.Options{
		Plan: lp.plan, PlanDir: lp.dir, Surface: lp.surface, Kinds: catalog(), Clock: clock,
		Handler: handler, Seed: o.seed, Segment: seg, MaxRequests: o.maxRequests,
		Capture: o.replay, Accounts: target.accounts, MaxInMemory: 1 << 30, Stream: true,
		StandInKeys: 2, // the responder takes any key: key files are not needed
	}
	if gd != nil {
		opts.Sources = []harness.Source{harness.Guarded{Log: gd.Decisions}}
	}
	h, err := harness.New(opts)
	if err != nil {
		return nil, err
	}
	return &simulation{h: h, guard: gd, mode: mode, target: target}, nil
}

// stretch makes every workload of p run for d from its start.
func stretch(p *scenarios.Plan, d time.Duration) {
	if p.Benign != nil {
		p.Benign.Duration = d
	}
	for i := range p.Scenarios {
		s := &p.Scenarios[i].Schedule
		if len(s.Stages) == 0 && d > s.Start {
			s.Duration = d - s.Start
		}
		p.Scenarios[i].Budget.Duration = 0
	}
}

func runSimulate(ctx context.Context, cmd *cobra.Command, std stdio, o simulateOptions) error {
	lp, err := loadPlan(cmd, std, o.config)
	if err != nil {
		return err
	}
	sim, err := prepareSimulation(lp, o)
	if err != nil {
		return err
	}
	red := sim.h.Redactor()
	errOut := red.Writer(std.err)
	if o.dryRun {
		fmt.Fprint(std.out, red.String(sim.h.Describe()))
		return nil
	}
	defer simulationGC()()
	out := sim.h.Run(ctx)
	rep := out.Report(reports.Meta{Tool: toolVersion(), Command: "simulate", Mode: sim.mode.String(),
		Target: sim.target.name, Simulated: true, Started: out.Timeline.Start, Ended: out.Timeline.End})
	fmt.Fprintf(errOut, "abusegate simulate: %d requests over %s of simulated time, answered by %s\n",
		out.Requests(), out.Timeline.End.Sub(out.Timeline.Start), sim.target.says)
	return finish(std, errOut, out, rep, o.reportDir, o.formats, o.replay)
}
