package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/internal/harness"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	guardMode   string
	reportDir   string
	seed        int64
	benignUsers int
	duration    time.Duration
	attackAt    time.Duration
	sla         scenarios.SLA
	// maxScraped bounds slow scraping's leak, in per cent of the catalog.
	maxScraped float64
}

func newDemo(std stdio) *cobra.Command {
	o := demoOptions{sla: scenarios.DefaultSLA(), maxScraped: 20}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Attack the embedded demo shop through the guard and gate on MTTD/MTTC",
		Long: `demo starts the embedded, deliberately abusable shop on loopback, puts the
guard (reverse proxy + runtime monitor) in front of it, generates the default
misuse suite from the shop's OpenAPI spec (object enumeration, coupon
stacking, slow scraping, credential stuffing, credential reuse) and runs it
beside benign shoppers. It prints the verdict table and writes the reports
(json, md, html, junit, sarif).

With --guard=enforce the monitor contains every attack and the SLA holds
(exit 0); with --guard=observe it only detects (exit 1, "detected, not
contained"); with --guard=off nothing detects (exit 1).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), std, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.guardMode, "guard", "enforce", "guard mode: enforce, observe or off")
	f.StringVar(&o.reportDir, "report-dir", "abusegate-report", "directory the reports are written into")
	f.Int64Var(&o.seed, "seed", 1, "seed of the shop's data and the VUs' choices")
	f.IntVar(&o.benignUsers, "benign", 20, "benign shoppers running beside the attacks")
	f.DurationVar(&o.duration, "duration", 15*time.Second, "how long the run lasts: the shoppers throughout, the attacks from --attack-at (a one-shot attack runs to its end)")
	f.DurationVar(&o.attackAt, "attack-at", 2*time.Second, "when the attacks start inside the baseline")
	f.DurationVar(&o.sla.MTTD, "sla-mttd", o.sla.MTTD, "SLA: maximum time to detect")
	f.DurationVar(&o.sla.MTTC, "sla-mttc", o.sla.MTTC, "SLA: maximum time to contain")
	f.IntVar(&o.sla.MaxLeak, "sla-max-leak", o.sla.MaxLeak, "SLA: maximum leaked before containment, in each scenario's unit (slow scraping: --sla-max-scraped)")
	f.Float64Var(&o.maxScraped, "sla-max-scraped", o.maxScraped, "SLA of slow scraping: maximum share of the catalog scraped before containment, in per cent")
	f.IntVar(&o.sla.MaxBenign, "sla-max-benign", o.sla.MaxBenign, "SLA: maximum benign sessions hurt")
	return cmd
}

func runDemo(ctx context.Context, std stdio, o demoOptions) error {
	mode, err := guard.ParseMode(o.guardMode)
	if err != nil {
		return err
	}
	if o.attackAt >= o.duration {
		return fmt.Errorf("--attack-at %s must be before the end of --duration %s", o.attackAt, o.duration)
	}
	if o.benignUsers < 1 || o.benignUsers > maxDemoBenign {
		return fmt.Errorf("--benign %d: want 1 to %d shoppers", o.benignUsers, maxDemoBenign)
	}
	if o.maxScraped < 0 || o.maxScraped > 100 {
		return fmt.Errorf("--sla-max-scraped %g: want a share of the catalog from 0 to 100 (per cent)", o.maxScraped)
	}
	log := logger(std.err)
	clock := vu.RealClock{}

	shop := demoshop.New(demoshop.Options{Seed: o.seed, Products: demoCatalog, CouponLatency: demoCouponLatency})
	surface, _, err := openapi.Load(demoSpecName, demoshop.Spec())
	if err != nil {
		return fmt.Errorf("demo shop spec: %w", err)
	}
	dir, err := os.MkdirTemp("", "abusegate-demo-")
	if err != nil {
		return incomplete(err)
	}
	defer os.RemoveAll(dir)
	plan, err := demoPlan(surface, shop, o, dir)
	if err != nil {
		return err
	}

	// The servers stop when the run is over, or on any early return.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(sctx)
	shopURL, err := serve(gctx, g, shop)
	if err != nil {
		return incomplete(err)
	}
	gd, err := guard.New(shopURL, monitor.New(surface, monitor.Config{}), guard.Options{Mode: mode, Now: clock.Now, Logger: log, Surface: surface})
	if err != nil {
		return err
	}
	guardURL, err := serve(gctx, g, gd)
	if err != nil {
		return incomplete(err)
	}
	plan.Target.BaseURL, plan.Target.Allow = guardURL, []string{guardURL.Host}

	var accounts []scenarios.Identity
	for _, a := range shop.Accounts() {
		accounts = append(accounts, scenarios.Identity{Username: a.Username, Password: a.Password, UserID: fmt.Sprint(a.ID)})
	}
	hopts := harness.Options{
		Plan: plan, PlanDir: dir, Surface: surface, Kinds: catalog(), Target: guardURL, Clock: clock,
		Seed: uint64(o.seed), Accounts: accounts, Logger: log,
	}
	if mode != guard.Off {
		hopts.Sources = []harness.Source{harness.Guarded{Log: gd.Decisions}}
	}
	h, err := harness.New(hopts)
	if err != nil {
		return err
	}
	h.Apart()
	errOut := h.Redactor().Writer(std.err)
	fmt.Fprintf(errOut, "abusegate demo: shop %s behind guard %s (%s); %d scenarios beside %d benign shoppers, attacks at +%s for %s\n",
		shopURL, guardURL, mode, len(h.Scenarios()), o.benignUsers, o.attackAt, o.duration-o.attackAt)

	out := runWithProgress(gctx, h, errOut, "auto")
	g.Go(func() error { return errStopServers })
	if err := g.Wait(); err != nil && !errors.Is(err, errStopServers) && out.Err == nil {
		out.Err = err
	}
	rep := out.Report(reports.Meta{Tool: toolVersion(), Command: "demo", Mode: mode.String(), Target: shopURL.String(),
		Started: out.Timeline.Start, Ended: out.Timeline.End})
	return finish(std, errOut, out, rep, o.reportDir, defaultFormats, false)
}

// maxDemoBenign keeps the shoppers' accounts clear of the leaked list's.
const maxDemoBenign = 150

// demoCouponLatency widens the shop's coupon check-then-write window, as
// a promotions service would, so the coupon race shows over loopback.
const demoCouponLatency = 40 * time.Millisecond

// errStopServers tells the server goroutines that the run is over.
var errStopServers = errors.New("stop servers")

// serve starts h on a fresh loopback port; it stops when g's context ends.
func serve(ctx context.Context, g *errgroup.Group, h http.Handler) (*url.URL, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}, nil
}
