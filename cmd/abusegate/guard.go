package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
)

// guardOptions are the guard command's flags.
type guardOptions struct {
	upstream, listen, admin, adminToken string
	spec, policy, mode                  string
	redisAddr, redisPrefix              string
	shareCounters, failClosed           bool
	seed                                uint64
	trusted                             []string
	geoHeader                           string
	printPolicy                         bool
}

func newGuard(std stdio) *cobra.Command {
	var o guardOptions
	cmd := &cobra.Command{
		Use:   "guard --upstream URL",
		Short: "Run the runtime monitor as an enforcing reverse proxy",
		Long: `guard proxies --listen to --upstream, scores every exchange with the runtime
monitor (the spec's operations tell it routes, logins, coupons and checkouts)
and, in enforce mode, throttles, challenges, revokes or blocks the subjects
its policy decides to contain. Its admin API (GET /decisions, GET
/decisions/stream, DELETE /decisions/{id}, /metrics, /healthz) listens on
--admin, loopback by default. --spec is an OpenAPI spec (2.0, 3.x) or a
GraphQL schema (SDL, or introspection JSON). With --redis several guards
share their decisions and, unless --share-counters=false, their traffic: each
guard's monitor counts every guard's requests, so an abuser spread over the
replicas by a load balancer is seen whole.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.printPolicy {
				_, err := std.out.Write(monitor.DefaultPolicyYAML())
				return err
			}
			return runGuard(cmd.Context(), std, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.upstream, "upstream", "", "URL of the API to protect (required)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address the proxy listens on")
	f.StringVar(&o.admin, "admin", "127.0.0.1:9090", "address of the admin API (loopback unless --admin-token is set)")
	f.StringVar(&o.adminToken, "admin-token", os.Getenv("ABUSEGATE_ADMIN_TOKEN"), "bearer token the admin API requires (env ABUSEGATE_ADMIN_TOKEN)")
	f.StringVar(&o.spec, "spec", "", "OpenAPI or GraphQL (SDL, introspection JSON) spec of the upstream (routes, login, coupon, checkout)")
	f.StringVar(&o.policy, "policy", "", "policy YAML (default: the embedded policy, see --print-policy)")
	f.StringVar(&o.mode, "mode", "enforce", "off, observe or enforce")
	f.StringVar(&o.redisAddr, "redis", "", "Redis address to share decisions (and counters) with other guards (host:port)")
	f.StringVar(&o.redisPrefix, "redis-prefix", "abusegate:", "prefix of the guard's Redis keys: one per protected API sharing a Redis")
	f.BoolVar(&o.shareCounters, "share-counters", true, "with --redis, exchange observed traffic with the other guards so every monitor counts all of it")
	seedFlag(f, &o.seed)
	f.BoolVar(&o.failClosed, "fail-closed", false, "deny every request while Redis is unreachable (default: fail open)")
	f.StringSliceVar(&o.trusted, "trusted-proxy", nil, "CIDR of a proxy whose X-Forwarded-For is believed (repeatable)")
	f.StringVar(&o.geoHeader, "geo-header", "", "request header carrying a location hint (country code or lat,lon)")
	f.BoolVar(&o.printPolicy, "print-policy", false, "print the embedded default policy and exit")
	return cmd
}

func runGuard(ctx context.Context, std stdio, o guardOptions) error {
	mode, err := guard.ParseMode(o.mode)
	if err != nil {
		return err
	}
	up, err := url.Parse(o.upstream)
	if err != nil || up.Scheme == "" || up.Host == "" {
		return fmt.Errorf("--upstream %q: want an absolute URL such as http://127.0.0.1:8000", o.upstream)
	}
	if err := adminAllowed(o.admin, o.adminToken); err != nil {
		return err
	}
	trusted, err := trustedProxies(o.trusted)
	if err != nil {
		return err
	}
	surface, err := specSurface(ctx, std, o.spec)
	if err != nil {
		return err
	}
	cfg, err := monitorConfig(o.seed, o.policy)
	if err != nil {
		return err
	}
	log := logger(std.err)
	opts := guard.Options{Mode: mode, Logger: log, Surface: surface, TrustedProxies: trusted,
		GeoHeader: o.geoHeader, FailClosed: o.failClosed}
	if o.redisAddr != "" {
		redis.SetLogger(redisLog{log})
		ro := guard.RedisOptions{Addr: o.redisAddr, Prefix: o.redisPrefix}
		rs := guard.NewRedisStore(ro)
		defer rs.Close()
		if err := rs.Ping(ctx); err != nil {
			log.Warn("guard: redis unreachable at start; failing open until it answers", "err", err)
		}
		opts.Store = rs
		if o.shareCounters {
			opts.Share = guard.NewRedisShare(guard.ShareOptions{RedisOptions: ro,
				Replica: cfg.IDPrefix, Logger: log})
		}
	}
	g, err := guard.New(up, monitor.New(surface, cfg), opts)
	if err != nil {
		return err
	}
	eg, gctx := errgroup.WithContext(ctx)
	proxyURL, err := listenAndServe(gctx, eg, o.listen, g)
	if err != nil {
		return incomplete(err)
	}
	adminURL, err := listenAndServe(gctx, eg, o.admin, g.Admin(o.adminToken))
	if err != nil {
		return incomplete(err)
	}
	eg.Go(func() error { return g.Run(gctx) })
	if os.Getenv("GOGC") == "" {
		eg.Go(func() error { gcHeadroom(gctx, guardHeapHeadroom); return nil })
	}
	fmt.Fprintf(std.err, "abusegate guard: %s -> %s (%s); admin %s\n", proxyURL, up, mode, adminURL)
	if err := eg.Wait(); err != nil {
		return incomplete(err)
	}
	return nil
}

// guardHeapHeadroom is how far above the live heap the guard lets its heap
// grow before collecting, at least. A proxy's garbage is short-lived (each
// request's buffers, headers, event) against a small live heap: 2-3 MB
// before the monitor's tables grow, where GOGC=100 collects every few
// hundred requests and marking took ~6% of the CPU of `guard --mode off`
// under load (bench/bareproxy, with 1 MB live, gets 3 MB of headroom from
// the runtime's 4 MB minimum goal).
const guardHeapHeadroom = 16 << 20

// gcHeadroom keeps the heap goal at least headroom above the live heap
// while ctx lasts, by raising GOGC while the live heap is small: at most
// headroom more memory, and GOGC's default once the live heap exceeds
// headroom. The caller skips it when GOGC is set.
func gcHeadroom(ctx context.Context, headroom uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := 100
	defer func() { debug.SetGCPercent(100) }()
	for {
		metrics.Read(sample)
		pct := gcPercent(sample[0].Value.Uint64(), headroom)
		if pct < last*9/10 || pct > last*11/10 {
			debug.SetGCPercent(pct)
			last = pct
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gcPercent is the GOGC that sets the heap goal headroom above a live heap
// of live bytes, between 100 and 1600 (1600 before the first collection
// has measured the live heap).
func gcPercent(live, headroom uint64) int {
	if live == 0 {
		return 1600
	}
	return int(min(1600, max(100, headroom*100/live)))
}

// adminAllowed keeps the admin API on loopback unless it has a token.
func adminAllowed(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--admin %q: want host:port: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); (err == nil && ip.IsLoopback()) || host == "localhost" || token != "" {
		return nil
	}
	return fmt.Errorf("--admin %s is not loopback: set --admin-token (or ABUSEGATE_ADMIN_TOKEN) to expose it", addr)
}

// seedFlag registers --seed, which guard and monitor both take.
func seedFlag(f *pflag.FlagSet, seed *uint64) {
	f.Uint64Var(seed, "seed", 0, "seed of the monitor's table hashes, for a reproducible run (default: random, so no one can precompute colliding keys)")
}

// monitorSeed is seed, or a random one when it is 0: a monitor facing
// real traffic must not hash with a seed an attacker can read in the
// source.
func monitorSeed(seed uint64) (uint64, error) {
	for seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("random seed: %w", err)
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	return seed, nil
}

// monitorConfig is the monitor's configuration for guard and monitor: this
// replica's id, the seed (monitorSeed) and the policy file, when one is
// named.
func monitorConfig(seed uint64, policy string) (monitor.Config, error) {
	seed, err := monitorSeed(seed)
	if err != nil {
		return monitor.Config{}, incomplete(err)
	}
	cfg := monitor.Config{IDPrefix: replicaID(), Seed: seed}
	if policy != "" {
		if cfg.Policy, err = monitor.LoadPolicy(policy); err != nil {
			return monitor.Config{}, err
		}
	}
	return cfg, nil
}

// replicaID names this guard process in decision ids and in the replicas'
// shared stream, so replicas sharing Redis never mint the same id nor take
// each other's events for their own: the host name's end (a pod's unique
// suffix) and a random part (containers often all run as pid 1).
func replicaID() string {
	host, _ := os.Hostname()
	if len(host) > 12 {
		host = host[len(host)-12:]
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return strings.Trim(host, "-.") + "-" + hex.EncodeToString(b[:])
}

// listenAndServe serves h on addr until ctx ends.
func listenAndServe(ctx context.Context, eg *errgroup.Group, addr string, h http.Handler) (*url.URL, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	eg.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	eg.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return nil
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}, nil
}

// redisLog sends go-redis's own messages to the command's logger.
type redisLog struct{ log *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// trustedProxies parses the --trusted-proxy CIDRs that guard and monitor
// both take.
func trustedProxies(cidrs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q: want a CIDR such as 10.0.0.0/8: %w", c, err)
		}
		out = append(out, p)
	}
	return out, nil
}
