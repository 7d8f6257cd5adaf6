package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/benign"
	"github.com/abusegate/abusegate/generators/builtin"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/oracle"
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
}

func newDemo(std stdio) *cobra.Command {
	o := demoOptions{sla: scenarios.DefaultSLA()}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Attack the embedded demo shop through the guard and gate on MTTD/MTTC",
		Long: `demo starts the embedded, deliberately abusable shop on loopback, puts the
guard (reverse proxy + runtime monitor) in front of it, generates the misuse
suite from the shop's OpenAPI spec and runs it beside benign shoppers. It
prints the verdict table and writes JSON and Markdown reports.

With --guard=enforce the monitor contains the attacker and the SLA holds (exit
0); with --guard=observe it only detects (exit 1, "detected, not contained");
with --guard=off nothing detects (exit 1).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), std, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.guardMode, "guard", "enforce", "guard mode: enforce, observe or off")
	f.StringVar(&o.reportDir, "report-dir", "abusegate-report", "directory for report.json and report.md")
	f.Int64Var(&o.seed, "seed", 1, "seed of the shop's data and the VUs' choices")
	f.IntVar(&o.benignUsers, "benign", 20, "benign shoppers running beside the attack")
	f.DurationVar(&o.duration, "duration", 8*time.Second, "how long the benign baseline runs")
	f.DurationVar(&o.attackAt, "attack-at", 2*time.Second, "when the attack starts inside the baseline")
	f.DurationVar(&o.sla.MTTD, "sla-mttd", o.sla.MTTD, "SLA: maximum time to detect")
	f.DurationVar(&o.sla.MTTC, "sla-mttc", o.sla.MTTC, "SLA: maximum time to contain")
	f.IntVar(&o.sla.MaxLeak, "sla-max-leak", o.sla.MaxLeak, "SLA: maximum records leaked before containment")
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
	log := logger(std.err)
	clock := vu.RealClock{}

	shop := demoshop.New(demoshop.Options{Seed: o.seed})
	surface, _, err := openapi.Load("demoshop.openapi.yaml", demoshop.Spec())
	if err != nil {
		return fmt.Errorf("demo shop spec: %w", err)
	}
	auth, err := generators.AuthFrom(surface)
	if err != nil {
		return fmt.Errorf("demo shop spec: %w", err)
	}
	accounts := shop.Accounts()
	if len(accounts) < o.benignUsers+10 {
		return fmt.Errorf("--benign %d: the shop has only %d accounts", o.benignUsers, len(accounts))
	}
	identity := func(a demoshop.Account) scenarios.Identity {
		return scenarios.Identity{Username: a.Username, Password: a.Password, UserID: fmt.Sprint(a.ID)}
	}
	attacker := identity(accounts[6])
	var shoppers []scenarios.Identity
	for _, a := range accounts[100 : 100+o.benignUsers] {
		shoppers = append(shoppers, identity(a))
	}

	reg := generators.NewRegistry()
	builtin.Register(reg)
	kind, err := reg.Lookup(enumeration.ID)
	if err != nil {
		return err
	}
	attacks := kind.Generate(surface, generators.Options{Attackers: []scenarios.Identity{attacker}, SLA: o.sla})
	if len(attacks) == 0 {
		return errors.New("demo: the enumeration generator found nothing to attack in the shop's spec")
	}
	shopping, err := benign.Workload(surface, shoppers)
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	shopURL, err := serve(gctx, g, shop)
	if err != nil {
		return incomplete(err)
	}
	mon := monitor.New(surface, monitor.Config{})
	gd, err := guard.New(shopURL, mon, guard.Options{Mode: mode, Now: clock.Now, Logger: log, Surface: surface})
	if err != nil {
		return err
	}
	guardURL, err := serve(gctx, g, gd)
	if err != nil {
		return incomplete(err)
	}

	loads := []vu.Workload{workload(shopping, scenarios.Benign, 0, o.duration, auth, uint64(o.seed), benign.Program)}
	for _, sc := range attacks {
		loads = append(loads, workload(sc, scenarios.Attacker, o.attackAt, o.duration-o.attackAt, auth, uint64(o.seed), kind.Program))
	}
	fmt.Fprintf(std.err, "abusegate demo: shop %s behind guard %s (%s); %d benign shoppers, attack at +%s\n",
		shopURL, guardURL, mode, o.benignUsers, o.attackAt)

	var rec vu.Recorder
	runner := &vu.Runner{Target: guardURL, Clock: clock, Logger: log}
	start := clock.Now()
	runErr := runner.Run(gctx, loads, &rec)
	end := clock.Now()
	g.Go(func() error { return errStopServers })
	if err := g.Wait(); err != nil && !errors.Is(err, errStopServers) && runErr == nil {
		runErr = err
	}

	tl := scenarios.Timeline{Start: start, End: end, Exchanges: rec.Exchanges(), Decisions: gd.Decisions()}
	res := oracle.Judge(tl, attacks)
	rep := reports.New(reports.Meta{
		Tool:    toolVersion(),
		Command: "demo",
		Mode:    mode.String(),
		Target:  shopURL.String(),
		Started: start,
		Ended:   end,
	}, res)
	rep.Timeline = reports.Timeline(tl, 0)
	if err := reports.WriteTable(std.out, rep); err != nil {
		return err
	}
	paths, err := reports.WriteDir(o.reportDir, rep, "json", "md", "html", "junit")
	if err != nil {
		return incomplete(err)
	}
	for _, p := range paths {
		fmt.Fprintln(std.err, "wrote", p)
	}
	if runErr != nil {
		// Interrupted or out of budget: the report above is partial, and
		// the gate cannot pass on a run that did not complete.
		return incomplete(fmt.Errorf("demo run did not complete: %w", runErr))
	}
	if !rep.Pass {
		return errBreach
	}
	return nil
}

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

func workload(sc scenarios.Scenario, actor scenarios.Actor, start, d time.Duration, auth scenarios.Auth, seed uint64,
	program func(scenarios.Scenario, generators.Env) (scenarios.Program, error)) vu.Workload {
	return vu.Workload{
		Scenario: sc.ID,
		Actor:    actor,
		VUs:      sc.Schedule.VUs,
		Start:    start,
		Duration: d,
		Think:    sc.Think,
		Seed:     seed,
		Program: func(i int) (scenarios.Program, error) {
			id := sc.Identities[i%len(sc.Identities)]
			return program(sc, generators.Env{Auth: auth, Identity: id, VU: i, Seed: seed})
		},
	}
}
