package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// BenchmarkGuardOverhead serves one object read through the guard in each
// mode, the upstream a real local server, so the modes can be compared.
func BenchmarkGuardOverhead(b *testing.B) {
	for _, mode := range []Mode{Off, Observe, Enforce} {
		b.Run(mode.String(), func(b *testing.B) {
			r := newRig(b, mode)
			b.ReportAllocs()
			for b.Loop() {
				r.clock.Advance(time.Second)
				req := httptest.NewRequest("GET", "/users/7", nil)
				req.Header.Set("Authorization", "Bearer tok")
				w := httptest.NewRecorder()
				r.guard.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkMiddleware is the guard's own cost per request, without a
// network or a proxy: the middleware in each mode around a handler that
// answers 24 bytes, the request shaped like a browser's (user agent, accept
// headers, a bearer token). Its ns/op over Off's is what the guard adds to
// any proxy's per-request cost.
func BenchmarkMiddleware(b *testing.B) {
	body := []byte(`{"id":7,"name":"widget"}`)
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	req := browserRequest("GET", "/users/7")
	for _, mode := range []Mode{Off, Observe, Enforce} {
		b.Run(mode.String(), func(b *testing.B) {
			clock := newFakeClock()
			g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: mode, Now: clock.Now})
			require.NoError(b, err)
			serveLoop(b, g.Middleware(next), req, clock)
		})
	}
}

// BenchmarkMiddlewareRefused is BenchmarkMiddleware's enforcing guard on
// requests a live decision refuses, as a contained abuser who keeps
// sending gets them: the store lookup, the refusal's headers and JSON
// body, and the monitor's observation of the guard's own answer. The
// throttle is at its tenth escalation (a token every ~17 minutes), so
// nearly every request gets its 429.
func BenchmarkMiddlewareRefused(b *testing.B) {
	served := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	req := browserRequest("GET", "/users/7")
	for _, tc := range []struct {
		action scenarios.Action
		code   int
	}{
		{scenarios.ActionBlock, http.StatusForbidden},
		{scenarios.ActionThrottle, http.StatusTooManyRequests},
		{scenarios.ActionChallenge, http.StatusUnauthorized},
	} {
		b.Run(tc.action.String(), func(b *testing.B) {
			clock := newFakeClock()
			store := NewMemoryStore(0)
			require.NoError(b, store.Put(context.Background(), scenarios.Decision{
				ID: "bench-1", Subject: scenarios.Subject{Kind: scenarios.SubjectToken, Value: scenarios.TokenID("tok")},
				Action: tc.action, Level: 10, Time: clock.Now(), Expires: clock.Now().AddDate(100, 0, 0),
			}))
			g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: Enforce, Now: clock.Now, Store: store})
			require.NoError(b, err)
			codes := serveLoop(b, g.Middleware(served), req, clock)
			require.GreaterOrEqual(b, codes[tc.code], b.N*99/100, "the benchmark measures the refused path")
		})
	}
}

// serveLoop serves req through h on each iteration, the clock a second
// later each time, reports allocations and CPU-ns/op, and returns how
// many answers had each status (0: none written).
func serveLoop(b *testing.B, h http.Handler, req *http.Request, clock *fakeClock) map[int]int {
	w := &discardWriter{h: http.Header{}}
	var codes [600]int
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		clock.Advance(time.Second)
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
		codes[w.code]++
	}
	cpu.report(b)
	out := map[int]int{}
	for code, n := range codes {
		if n > 0 {
			out[code] = n
		}
	}
	return out
}

// browserRequest is a request shaped like a browser's: user agent,
// accept headers, a bearer token.
func browserRequest(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "127.0.0.1:50000"
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", "en-US,en;q=0.5")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	return req
}

// cpuClock measures a benchmark's CPU time per operation.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	t, ok := processCPU()
	return cpuClock{t, ok}
}

// report adds CPU-ns/op, the process's CPU time (every goroutine's) per
// operation, which other load on a shared machine disturbs far less than
// ns/op's wall time.
func (c cpuClock) report(b *testing.B) {
	if t, ok := processCPU(); ok && c.ok && t > c.start && b.N > 0 {
		b.ReportMetric(float64(t-c.start)/float64(b.N), "CPU-ns/op")
	}
}

// discardWriter is a ResponseWriter that keeps nothing but the status it
// was given last, so the benchmark counts the guard's allocations, not a
// recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkMiddlewareGraphQL is BenchmarkMiddleware's enforcing guard on
// a REST object read and on one GraphQL request of 10 aliased fields
// (4 user(id) reads, 4 catalog pages, me, cart: under every limit, so it
// is served), side by side on one Surface holding both APIs. The GraphQL
// request costs the body read, the document parse, the answer's decode
// and 10 monitor observations; its handler answers each field. Each
// GraphQL iteration also builds its body reader (2 allocations).
func BenchmarkMiddlewareGraphQL(b *testing.B) {
	surface := shopSurface()
	surface.Operations = append(surface.Operations, shopGraphQL(b).Operations...)
	rest := []byte(`{"id":7,"name":"widget"}`)
	query, answer := tenAliases()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/graphql" {
			_, _ = w.Write(answer)
			return
		}
		_, _ = w.Write(rest)
	})
	for _, tc := range []struct {
		name string
		req  *http.Request
		body []byte
	}{
		{"rest", browserRequest("GET", "/users/7"), nil},
		{"graphql-10-aliases", browserRequest("POST", "/graphql"), query},
	} {
		b.Run(tc.name, func(b *testing.B) {
			clock := newFakeClock()
			mon := monitor.New(surface, monitor.Config{})
			g, err := NewMiddleware(mon, Options{Mode: Enforce, Now: clock.Now, Surface: surface})
			require.NoError(b, err)
			h := g.Middleware(next)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clock.Advance(time.Second)
				clear(w.h)
				if tc.body != nil {
					tc.req.Body = io.NopCloser(bytes.NewReader(tc.body))
				}
				h.ServeHTTP(w, tc.req)
			}
			b.StopTimer()
			require.Empty(b, g.Decisions(), "the benchmark measures the served path")
		})
	}
}

// tenAliases is a dashboard-like GraphQL request of 10 aliased fields and
// the answer the shop would give.
func tenAliases() (query, answer []byte) {
	var fields, data []string
	for i := 1; i <= 4; i++ {
		fields = append(fields, fmt.Sprintf("u%d: user(id: %d) { id name }", i, i))
		data = append(data, fmt.Sprintf(`"u%d":{"id":"%d","name":"User %d"}`, i, i, i))
		fields = append(fields, fmt.Sprintf("p%d: products(page: %d, limit: 5) { items { id } }", i, i))
		data = append(data, fmt.Sprintf(`"p%d":{"items":[{"id":"1"},{"id":"2"},{"id":"3"},{"id":"4"},{"id":"5"}]}`, i))
	}
	fields = append(fields, "me { id }", "cart { totalCents }")
	data = append(data, `"me":{"id":"9"}`, `"cart":{"totalCents":0}`)
	query, _ = json.Marshal(map[string]string{"query": "query Dashboard { " + strings.Join(fields, " ") + " }"})
	return query, []byte(`{"data":{` + strings.Join(data, ",") + `}}`)
}

// benchPolicy is bench/policy.yaml: the default detectors with the rate
// limits raised, so one client hammering one route measures the guard's
// overhead rather than its 429s.
const benchPolicy = `version: 1
detectors:
  rate: {window: 1m, identity: 100000000, address: 100000000, fingerprint: 100000000}
rules:
  - {name: contain, detectors: [enumeration, scraping, stuffing, coupon], action: block, ttl: 5m}
  - {name: alert, action: alert, ttl: 5m}
`

// BenchmarkProxyLoopback is bench/run.sh's comparison in one process, for
// a CPU profile of the guard as a proxy: a loopback upstream answering 24
// bytes, in front of it a bare httputil.ReverseProxy (tuned Transport and
// BufferPool, as bench/bareproxy) and the guard off and enforcing
// (benchPolicy, the wall clock), each served by its own loopback server;
// clients on every core send browser-shaped GET /products requests with a
// bearer token. ns/op is wall time per request with the client and the
// upstream in the same process, so compare the sub-benchmarks with each
// other (CPU-ns/op, the process's CPU time per request, client and
// upstream included, is the steadier figure on a shared machine), and read
// the guard's share from the profile:
//
//	go test ./runtime/guard -run '^$' -bench ProxyLoopback/guard-enforce -cpuprofile cpu.prof
func BenchmarkProxyLoopback(b *testing.B) {
	body := []byte(`{"id":7,"name":"widget"}`)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(up.Close)
	u, err := url.Parse(up.URL)
	require.NoError(b, err)
	policy, err := monitor.ParsePolicy("bench.yaml", []byte(benchPolicy))
	require.NoError(b, err)
	guarded := func(mode Mode) http.Handler {
		var mon *monitor.Monitor
		if mode != Off {
			mon = monitor.New(shopSurface(), monitor.Config{Policy: policy})
		}
		g, err := New(u, mon, Options{Mode: mode, Surface: shopSurface()})
		require.NoError(b, err)
		return g
	}
	for _, tc := range []struct {
		name string
		h    func() http.Handler
	}{
		{"bare-reverseproxy", func() http.Handler {
			return &httputil.ReverseProxy{
				Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(u); pr.SetXForwarded() },
				Transport:  tunedTransport(),
				BufferPool: &bufferPool{},
			}
		}},
		{"guard-off", func() http.Handler { return guarded(Off) }},
		{"guard-enforce", func() http.Handler { return guarded(Enforce) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			front := httptest.NewServer(tc.h())
			defer front.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
			defer client.CloseIdleConnections()
			target := front.URL + "/products"
			b.ReportAllocs()
			b.SetParallelism(8)
			cpu := startCPU()
			defer cpu.report(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", target, nil)
					req.Header.Set("Authorization", "Bearer bench-token")
					req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
					req.Header.Set("Accept", "application/json")
					req.Header.Set("Accept-Language", "en-US,en;q=0.5")
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
