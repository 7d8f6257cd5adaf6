package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/internal/harness"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// runOptions are run's flags.
type runOptions struct {
	config        string
	target        string
	reportDir     string
	formats       []string
	dryRun        bool
	segment       string
	seed          uint64
	maxRequests   int64
	rate          float64
	grace         time.Duration
	webhookListen string
	stream        string
	shadow        bool
	policy        string
	replay        bool
	progress      string
}

// defaultFormats are the report formats run and simulate write.
var defaultFormats = []string{"json", "md", "html", "junit", "sarif"}

func newRun(std stdio) *cobra.Command {
	o := runOptions{shadow: true}
	cmd := &cobra.Command{
		Use:   "run [-c abusegate.yaml] [--target URL]",
		Short: "Run a misuse plan against a live target, judge it and gate on its SLAs",
		Long: `run executes the plan's scenarios with concurrent virtual users beside its
benign users against the target (its base_url, or --target, which must be on
the plan's allow-list), listens to the plan's detection sources — a guard's
decision stream, a webhook the target's own detector posts signed alerts to,
response signals — and measures per scenario the time to detect (MTTD), the
time to contain (MTTC), what leaked and the benign users hurt. The built-in
monitor scores the same traffic in process as a shadow ("would our reference
policy catch this?"); without another source it is the one judged.

Every request carries a correlation id (header X-Abusegate-Correlation and a
user-agent suffix). Budgets and --rate bound the run; SIGINT or SIGTERM stop
it gracefully and write a partial report. Reports (json, md, html, junit,
sarif, and with --replay an attack replay pack) go to --report-dir, with the
compact timeline 'report merge' joins when the run is split with --segment.

Exit codes: 0 every SLA met; 1 an SLA breached; 2 bad usage, plan or spec;
3 the run could not complete (target unreachable, interrupted, budget spent).

Secrets: ABUSEGATE_WEBHOOK_SECRET is the webhook's HMAC-SHA256 key,
ABUSEGATE_ADMIN_TOKEN the guard admin API's bearer token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(cmd.Context(), cmd, std, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "abusegate.yaml", "the misuse plan")
	f.StringVar(&o.target, "target", "", "base URL to attack instead of the plan's target.base_url (must be on target.allow)")
	f.StringVar(&o.reportDir, "report-dir", "abusegate-report", "directory the reports are written into")
	f.StringSliceVar(&o.formats, "format", defaultFormats, "report formats: json, md, html, junit, sarif, table")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the schedule and bounds without sending anything")
	f.StringVar(&o.segment, "segment", "", "run only this runner's share of the plan, i/n (0 <= i < n); join the shards with 'report merge'")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the VUs' choices and think times")
	f.Int64Var(&o.maxRequests, "max-requests", vu.DefaultMaxRequests, "request budget of the whole run")
	f.Float64Var(&o.rate, "rate", 0, "cap on requests per second of the whole run (0: the schedules only)")
	f.DurationVar(&o.grace, "grace", 5*time.Second, "on SIGINT/SIGTERM, how long requests in flight may finish")
	f.StringVar(&o.webhookListen, "webhook-listen", "", "loopback address to receive the target's signed alerts on (default: the plan's webhook url)")
	f.StringVar(&o.stream, "guard-stream", "", "a guard's decision stream URL (GET /decisions/stream), besides the plan's")
	f.BoolVar(&o.shadow, "shadow", true, "score the run's own traffic with the built-in monitor in process")
	f.StringVar(&o.policy, "policy", "", "policy YAML of the shadow monitor (default: the embedded policy)")
	f.BoolVar(&o.replay, "replay", false, "also write an attack replay pack (replay.har, replay.jsonl)")
	f.StringVar(&o.progress, "progress", "auto", "live progress: auto (bars on a terminal, lines in CI), bars, lines or off")
	return cmd
}

// loadedPlan is a compiled plan with its spec.
type loadedPlan struct {
	plan    *scenarios.Plan
	dir     string
	surface scenarios.Surface
}

// loadPlan reads, compiles and validates the plan against the registered
// kinds and its spec (relative to the plan's directory).
func loadPlan(cmd *cobra.Command, std stdio, path string) (loadedPlan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return loadedPlan{}, fmt.Errorf("plan: %w (abusegate generate --spec SPEC writes one)", err)
	}
	f, err := scenarios.LoadPlan(path, data)
	if err != nil {
		return loadedPlan{}, err
	}
	lp := loadedPlan{dir: filepath.Dir(path)}
	checks := scenarios.PlanChecks{Kinds: catalog().IDs()}
	if f.Spec != "" {
		spec := f.Spec
		if !filepath.IsAbs(spec) && !strings.Contains(spec, "://") {
			spec = filepath.Join(lp.dir, spec)
		}
		if lp.surface, err = readSurface(cmd, std, generateOptions{spec: spec}); err != nil {
			return loadedPlan{}, fmt.Errorf("plan %s: spec: %w", path, err)
		}
		for _, op := range lp.surface.Operations {
			checks.Operations = append(checks.Operations, op.Key())
		}
	}
	if lp.plan, err = f.Compile(checks); err != nil {
		return loadedPlan{}, fmt.Errorf("%s is not a valid plan:\n%w", path, err)
	}
	return lp, nil
}

func runPlan(ctx context.Context, cmd *cobra.Command, std stdio, o runOptions) error {
	lp, err := loadPlan(cmd, std, o.config)
	if err != nil {
		return err
	}
	seg, err := parseSegment(o.segment)
	if err != nil {
		return err
	}
	target, err := allowedTarget(lp.plan, o.target)
	if err != nil {
		return err
	}
	red := harness.NewRedactor(os.Getenv("ABUSEGATE_WEBHOOK_SECRET"), os.Getenv("ABUSEGATE_ADMIN_TOKEN"))
	errOut := red.Writer(std.err)
	log := logger(errOut)
	sources, err := runSources(lp.plan, o)
	if err != nil {
		return err
	}
	hopts := harness.Options{
		Plan: lp.plan, PlanDir: lp.dir, Surface: lp.surface, Kinds: catalog(), Target: target,
		Seed: o.seed, Segment: seg, MaxRequests: o.maxRequests, Rate: o.rate, Grace: o.grace,
		Capture: o.replay, Sources: sources, Redactor: red, Logger: log,
	}
	if o.shadow {
		cfg := monitor.Config{}
		if o.policy != "" {
			if cfg.Policy, err = monitor.LoadPolicy(o.policy); err != nil {
				return err
			}
		}
		hopts.Shadow = &harness.Shadow{Surface: lp.surface, Config: cfg, LoginPath: lp.plan.Auth.Path}
	}
	h, err := harness.New(hopts)
	if err != nil {
		return err
	}
	if o.dryRun {
		fmt.Fprint(std.out, red.String(h.Describe()))
		return nil
	}
	if err := reachable(ctx, target); err != nil {
		return incomplete(err)
	}
	for _, s := range sources {
		if w, ok := s.(*harness.Webhook); ok {
			defer func() { fmt.Fprintln(errOut, "webhook alerts were received at", w.URL()) }()
		}
	}
	fmt.Fprintf(errOut, "abusegate run: %d scenarios against %s%s\n", len(h.Scenarios()), target, segNote(seg))
	out := runWithProgress(ctx, h, errOut, o.progress)
	rep := out.Report(reports.Meta{Tool: toolVersion(), Command: "run", Mode: modeOf(out.Sources), Target: target.String(),
		Started: out.Timeline.Start, Ended: out.Timeline.End})
	return finish(std, errOut, out, rep, o.reportDir, o.formats, o.replay)
}

// finish prints the verdict table, writes the reports and maps the
// outcome to an exit code.
func finish(std stdio, errOut io.Writer, out *harness.Outcome, rep reports.Report, dir string, formats []string, replay bool) error {
	// A streamed run's spilled timeline goes even when nothing is written
	// (Write removes it itself and reports a failure to).
	defer func() { _ = out.Close() }()
	for _, e := range out.SourceErrs {
		fmt.Fprintln(errOut, "abusegate: warning:", e)
	}
	if err := reports.WriteTable(std.out, rep); err != nil {
		return err
	}
	paths, err := out.Write(dir, rep, formats, replay)
	for _, p := range paths {
		fmt.Fprintln(errOut, "wrote", p)
	}
	if err != nil {
		if strings.Contains(err.Error(), "unknown format") {
			return err
		}
		return incomplete(err)
	}
	if out.Err != nil {
		// Interrupted, out of budget or stopped for safety: the report is
		// partial, and the gate cannot pass on a run that did not complete.
		return incomplete(fmt.Errorf("the run did not complete, the report is partial: %w", out.Err))
	}
	if out.Unanswered() {
		return incomplete(errors.New("no request got an answer: is the target up?"))
	}
	if !rep.Pass {
		return errBreach
	}
	return nil
}

// runWithProgress runs h while showing its counters.
func runWithProgress(ctx context.Context, h *harness.Harness, w io.Writer, mode string) *harness.Outcome {
	if mode == "off" {
		return h.Run(ctx)
	}
	tty := mode == "bars" || (mode == "auto" && isTerminal(w) && os.Getenv("CI") == "")
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		vu.Progress{Out: w, TTY: tty, Stats: h.Stats}.Run(pctx)
	}()
	out := h.Run(ctx)
	stop()
	<-done
	return out
}

// isTerminal reports whether w is a character device (a terminal), the
// only place live bars belong; CI logs get summary lines.
func isTerminal(w io.Writer) bool {
	if rw, ok := w.(interface{ Unwrap() io.Writer }); ok {
		w = rw.Unwrap()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func parseSegment(s string) (vu.Segment, error) {
	if s == "" {
		return vu.Segment{}, nil
	}
	seg, err := vu.ParseSegment(s)
	if err != nil {
		return seg, fmt.Errorf("--segment: %w", err)
	}
	return seg, nil
}

func segNote(seg vu.Segment) string {
	if seg.N > 1 {
		return ", segment " + seg.String()
	}
	return ""
}

// allowedTarget is --target when set, else the plan's base URL; --target's
// host must be on the plan's allow-list.
func allowedTarget(p *scenarios.Plan, flag string) (*url.URL, error) {
	if flag == "" {
		return p.Target.BaseURL, nil
	}
	u, err := url.Parse(flag)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target %q: want an absolute http(s) URL", flag)
	}
	if !slices.Contains(p.Target.Allow, u.Host) && !slices.Contains(p.Target.Allow, u.Hostname()) {
		return nil, fmt.Errorf("--target %s: host %s is not on the plan's allow-list %v: add it to target.allow", flag, u.Host, p.Target.Allow)
	}
	return u, nil
}

// runSources builds the detection sources of the plan and the flags.
func runSources(p *scenarios.Plan, o runOptions) ([]harness.Source, error) {
	var out []harness.Source
	token := os.Getenv("ABUSEGATE_ADMIN_TOKEN")
	streams := map[string]bool{}
	addStream := func(u string) {
		if !streams[u] {
			streams[u] = true
			out = append(out, &harness.Stream{URL: u, Token: token})
		}
	}
	webhook := o.webhookListen
	for _, d := range p.Detection {
		switch d.Type {
		case "guard":
			if d.URL != "" {
				addStream(d.URL)
			}
		case "webhook":
			if webhook == "" {
				u, err := url.Parse(d.URL)
				if err != nil {
					return nil, fmt.Errorf("detection webhook url %q: %w", d.URL, err)
				}
				webhook = u.Host
			}
		}
	}
	if o.stream != "" {
		addStream(o.stream)
	}
	if webhook != "" {
		if err := loopbackAddr(webhook); err != nil {
			return nil, fmt.Errorf("--webhook-listen: %w", err)
		}
		out = append(out, &harness.Webhook{Addr: webhook, Secret: []byte(os.Getenv("ABUSEGATE_WEBHOOK_SECRET"))})
	}
	return out, nil
}

// loopbackAddr accepts host:port on loopback only: alerts about attacks
// are not for the whole network to post.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	return nil
}

// reachable dials the target once before the run: an unreachable target
// is exit 3 before a single VU starts.
func reachable(ctx context.Context, u *url.URL) error {
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return fmt.Errorf("target %s unreachable: %w", u, err)
	}
	return c.Close()
}

// modeOf names what the run was judged by, for the report's mode.
func modeOf(sources []string) string {
	if len(sources) == 0 {
		return "none"
	}
	return strings.Join(sources, "+")
}
