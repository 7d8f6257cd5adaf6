package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// monitorOptions are the monitor command's flags.
type monitorOptions struct {
	accessLog, spec, policy string
	admin, adminToken       string
	trusted                 []string
	geoHeader               string
	seed                    uint64
}

// maxSkipWarnings is how many malformed lines the command names before it
// only counts them.
const maxSkipWarnings = 20

func newMonitor(std stdio) *cobra.Command {
	var o monitorOptions
	cmd := &cobra.Command{
		Use:   "monitor --access-log FILE|-",
		Short: "Run the runtime monitor passively over JSON access logs (detect-only)",
		Long: `monitor is the guard without the inline hop: it reads JSON access logs, one
request per line, from FILE or stdin (-), scores them with the same monitor and
policy as the guard and prints each decision as a JSON line on stdout. It never
blocks anything. Time comes from the log lines.

Two conventions are read:
  NGINX   a log_format with escape=json whose keys are the nginx variables:
          msec (or time_iso8601), remote_addr, request_method, request_uri,
          status, body_bytes_sent, request_time, http_authorization,
          http_user_agent, http_accept_language, http_x_forwarded_for,
          remote_user, request_body (login usernames, coupon codes)
  Envoy   the JSON access log keys of Envoy and Istio: start_time, method,
          path, response_code, bytes_sent, duration, downstream_remote_address,
          user_agent, x_forwarded_for, plus authorization (%REQ(AUTHORIZATION)%)
Other request headers: http_<name> or req_<name>. Malformed lines are skipped
with a warning naming FILE:LINE. To follow a live log: tail -F FILE | abusegate
monitor --access-log -. With --admin the decisions are also served (GET
/decisions, GET /decisions/stream, /metrics) until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMonitor(cmd.Context(), std, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.accessLog, "access-log", "", "JSON access log to read, - for stdin (required)")
	f.StringVar(&o.spec, "spec", "", "OpenAPI spec or GraphQL schema (SDL or introspection JSON) of the API: routes, login, coupon, checkout")
	f.StringVar(&o.policy, "policy", "", "policy YAML (default: the embedded policy, see guard --print-policy)")
	f.StringVar(&o.admin, "admin", "", "serve the admin API on this address (loopback unless --admin-token is set)")
	f.StringVar(&o.adminToken, "admin-token", os.Getenv("ABUSEGATE_ADMIN_TOKEN"), "bearer token the admin API requires (env ABUSEGATE_ADMIN_TOKEN)")
	f.StringSliceVar(&o.trusted, "trusted-proxy", nil, "CIDR of a proxy whose X-Forwarded-For is believed (repeatable)")
	f.StringVar(&o.geoHeader, "geo-header", "", "request header carrying a location hint, as logged (http_<name>)")
	seedFlag(f, &o.seed)
	return cmd
}

func runMonitor(ctx context.Context, std stdio, o monitorOptions) error {
	if o.accessLog == "" {
		return fmt.Errorf("--access-log: name a JSON access log file, or - for stdin")
	}
	if o.admin != "" {
		if err := adminAllowed(o.admin, o.adminToken); err != nil {
			return err
		}
	}
	trusted, err := trustedProxies(o.trusted)
	if err != nil {
		return err
	}
	if o.spec == "-" && o.accessLog == "-" {
		return fmt.Errorf("--spec - and --access-log - both read stdin: give one of them a file")
	}
	surface, err := specSurface(ctx, std, o.spec)
	if err != nil {
		return err
	}
	cfg, err := monitorConfig(o.seed, o.policy)
	if err != nil {
		return err
	}
	in, name := std.in, "stdin"
	if o.accessLog != "-" {
		f, err := os.Open(o.accessLog)
		if err != nil {
			return fmt.Errorf("--access-log: %w", err)
		}
		defer f.Close()
		in, name = f, o.accessLog
	}
	log := logger(std.err)
	g, err := guard.NewMiddleware(monitor.New(surface, cfg), guard.Options{Mode: guard.Observe, Logger: log,
		Surface: surface, TrustedProxies: trusted, GeoHeader: o.geoHeader})
	if err != nil {
		return err
	}
	eg, gctx := errgroup.WithContext(ctx)
	if o.admin != "" {
		adminURL, err := listenAndServe(gctx, eg, o.admin, g.Admin(o.adminToken))
		if err != nil {
			return incomplete(err)
		}
		fmt.Fprintf(std.err, "abusegate monitor: reading %s; admin %s\n", name, adminURL)
	}
	st, err := passive(gctx, std, g, in, name)
	fmt.Fprintf(std.err, "abusegate monitor: %s: %d lines, %d requests scored, %d skipped, %d decisions\n",
		name, st.Lines, st.Events, st.Skipped, st.Decisions)
	if err != nil && ctx.Err() == nil {
		return incomplete(err)
	}
	if o.admin != "" && ctx.Err() == nil {
		fmt.Fprintln(std.err, "abusegate monitor: end of log; serving decisions until interrupted")
	}
	if err := eg.Wait(); err != nil {
		return incomplete(err)
	}
	return nil
}

// passive reads the log until its end or until ctx ends; a read blocked
// on stdin does not hold up an interrupt.
func passive(ctx context.Context, std stdio, g *guard.Guard, in io.Reader, name string) (guard.PassiveStats, error) {
	enc := json.NewEncoder(std.out)
	skips := 0
	type result struct {
		st  guard.PassiveStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := g.Passive(ctx, in, guard.PassiveOptions{Name: name,
			OnDecision: func(d scenarios.Decision) { _ = enc.Encode(d) },
			OnSkip: func(e *guard.LineError) {
				if skips++; skips <= maxSkipWarnings {
					fmt.Fprintf(std.err, "abusegate monitor: skipped %v\n", e)
				} else if skips == maxSkipWarnings+1 {
					fmt.Fprintln(std.err, "abusegate monitor: more malformed lines; counting them only")
				}
			}})
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		return r.st, r.err
	case <-ctx.Done():
		return guard.PassiveStats{}, ctx.Err()
	}
}

// specSurface loads the --spec of guard and monitor, OpenAPI or GraphQL;
// no spec is an empty Surface (the monitor then scores what it can without
// routes).
func specSurface(ctx context.Context, std stdio, spec string) (scenarios.Surface, error) {
	if spec == "" {
		return scenarios.Surface{}, nil
	}
	l, err := loadSpec(ctx, std, spec, specFlags{})
	if err != nil {
		return scenarios.Surface{}, fmt.Errorf("--spec: %w", err)
	}
	return l.surface, nil
}
