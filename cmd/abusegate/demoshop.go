package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/internal/harness"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// demoshopOptions are the hidden demoshop command's flags.
type demoshopOptions struct {
	listen, accounts, alertWebhook string
	seed                           int64
}

// newDemoshop is a hidden command serving the embedded shop as its own
// process, so end-to-end tests and tutorials can put a guard in front of
// it, or give it a detector of its own that posts signed alerts to
// `run --webhook-listen`.
func newDemoshop(std stdio) *cobra.Command {
	var o demoshopOptions
	cmd := &cobra.Command{
		Use:    "demoshop",
		Short:  "Serve the embedded demo shop (for tests and tutorials)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemoshop(cmd.Context(), std, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8000", "loopback address to serve on")
	f.Int64Var(&o.seed, "seed", 1, "seed of the shop's users, products and tokens")
	f.StringVar(&o.accounts, "write-accounts", "", "write the shop's accounts (username:password lines) to this file and go on")
	f.StringVar(&o.alertWebhook, "alert-webhook", "", "give the shop a detector of its own (the built-in monitor, enforcing) that posts each decision, signed with ABUSEGATE_WEBHOOK_SECRET, to this URL, naming only the correlation id of the request that triggered it")
	return cmd
}

func runDemoshop(ctx context.Context, std stdio, o demoshopOptions) error {
	if err := loopbackAddr(o.listen); err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	shop := demoshop.New(demoshop.Options{Seed: o.seed})
	if o.accounts != "" {
		var ids []scenarios.Identity
		for _, a := range shop.Accounts() {
			ids = append(ids, scenarios.Identity{Username: a.Username, Password: a.Password})
		}
		var b bytes.Buffer
		if err := generators.FormatCredentials(&b, fmt.Sprintf("demo shop accounts, seed %d", o.seed), ids); err != nil {
			return err
		}
		if err := os.WriteFile(o.accounts, b.Bytes(), 0o600); err != nil {
			return incomplete(err)
		}
	}
	var h http.Handler = shop
	eg, gctx := errgroup.WithContext(ctx)
	if o.alertWebhook != "" {
		secret := os.Getenv("ABUSEGATE_WEBHOOK_SECRET")
		if secret == "" {
			return fmt.Errorf("--alert-webhook needs ABUSEGATE_WEBHOOK_SECRET to sign alerts")
		}
		surface, _, err := openapi.Load("demoshop.openapi.yaml", demoshop.Spec())
		if err != nil {
			return err
		}
		d, err := newShopDetector(surface, shop, o.alertWebhook, []byte(secret))
		if err != nil {
			return err
		}
		eg.Go(func() error { d.post(gctx); return nil })
		h = d
	}
	u, err := listenAndServe(gctx, eg, o.listen, h)
	if err != nil {
		return incomplete(err)
	}
	fmt.Fprintf(std.err, "abusegate demoshop: %s (seed %d)\n", u, o.seed)
	if err := eg.Wait(); err != nil {
		return incomplete(err)
	}
	return nil
}

// shopDetector is a target's own detector: the built-in monitor enforcing
// in process, which reports each decision to a webhook as an alert naming
// the correlation id of the latest request of the decision's subject.
type shopDetector struct {
	g      *guard.Guard
	mon    *monitor.Monitor
	next   http.Handler
	url    string
	secret []byte
	alerts chan harness.Alert

	mu     sync.Mutex
	last   map[string]string // subject value -> latest correlation id
	posted map[string]bool
}

func newShopDetector(surface scenarios.Surface, shop http.Handler, url string, secret []byte) (*shopDetector, error) {
	mon := monitor.New(surface, monitor.Config{IDPrefix: "shop"})
	g, err := guard.NewMiddleware(mon, guard.Options{Mode: guard.Enforce, Surface: surface})
	if err != nil {
		return nil, err
	}
	return &shopDetector{g: g, mon: mon, next: g.Middleware(shop), url: url, secret: secret,
		alerts: make(chan harness.Alert, 1024), last: map[string]string{}, posted: map[string]bool{}}, nil
}

func (d *shopDetector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	corr := r.Header.Get(scenarios.CorrelationHeader)
	tok := scenarios.TokenID(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	addr, _, _ := net.SplitHostPort(r.RemoteAddr)
	if corr != "" {
		d.mu.Lock()
		for _, k := range []string{tok, d.mon.Identity(tok), addr} {
			if k != "" {
				d.last[k] = corr
			}
		}
		d.mu.Unlock()
	}
	d.next.ServeHTTP(w, r)
	for _, dec := range d.g.Decisions() {
		d.mu.Lock()
		if d.posted[dec.ID] {
			d.mu.Unlock()
			continue
		}
		d.posted[dec.ID] = true
		c := d.last[dec.Subject.Value]
		d.mu.Unlock()
		if c == "" {
			continue
		}
		select {
		case d.alerts <- harness.Alert{ID: dec.ID, Time: dec.Time, CorrelationID: c, Detector: dec.Detector, Reason: dec.Reason, Action: dec.Action.String()}:
		default:
		}
	}
}

// post sends alerts one at a time until ctx ends.
func (d *shopDetector) post(ctx context.Context) {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-d.alerts:
			body, _ := json.Marshal(a)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
			if err != nil {
				continue
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(harness.SignatureHeader, harness.Sign(d.secret, body))
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
}
