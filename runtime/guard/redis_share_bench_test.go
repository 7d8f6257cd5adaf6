package guard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// BenchmarkRedisSharePublish is the enforcing middleware's cost per
// request with and without sharing its events with replicas, on the
// memory store and on the Redis store (whose Check is a round trip per
// request). With share, the publisher goroutine's batching and XADDs run
// in the same process: with -cpu 1 they are paid inside ns/op. dropped/op
// is the share of events the queue had no room for (the publisher fell
// behind): a cost that looks low with drops hides lost counts.
func BenchmarkRedisSharePublish(b *testing.B) {
	needRedis(b, redisAddr)
	body := []byte(`{"id":7,"name":"widget"}`)
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	req := httptest.NewRequest("GET", "/users/7", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "application/json")
	for _, tt := range []struct {
		name                   string
		redis, share, parallel bool
	}{
		{"memory", false, false, false}, {"memory+share", false, true, false},
		{"redis", true, false, false}, {"redis+share", true, true, false},
		// 25 goroutines per P: the Redis round trips overlap, as a proxy's
		// concurrent connections do.
		{"memory/parallel", false, false, true},
		{"redis/parallel", true, false, true}, {"redis+share/parallel", true, true, true},
	} {
		b.Run(tt.name, func(b *testing.B) {
			prefix := redisPrefix(b)
			ro := RedisOptions{Addr: redisAddr, Prefix: prefix}
			clock := newFakeClock()
			opts := Options{Mode: Enforce, Now: clock.Now}
			if tt.redis {
				st := NewRedisStore(ro)
				b.Cleanup(func() { st.Close() })
				opts.Store = st
			}
			var sh *RedisShare
			if tt.share {
				sh = NewRedisShare(ShareOptions{RedisOptions: ro})
				opts.Share = sh
			}
			g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), opts)
			require.NoError(b, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- g.Run(ctx) }()
			b.Cleanup(func() { cancel(); <-done })
			if sh != nil {
				<-sh.Ready()
			}
			h := g.Middleware(next)
			b.ReportAllocs()
			if tt.parallel {
				b.SetParallelism(25)
				b.RunParallel(func(pb *testing.PB) {
					r, w := req.Clone(context.Background()), &discardWriter{h: http.Header{}}
					for pb.Next() {
						clock.Advance(time.Millisecond)
						clear(w.h)
						h.ServeHTTP(w, r)
					}
				})
			} else {
				w := &discardWriter{h: http.Header{}}
				for b.Loop() {
					clock.Advance(time.Second)
					clear(w.h)
					h.ServeHTTP(w, req)
				}
			}
			if sh != nil {
				b.ReportMetric(counterNow(sh.dropped)/float64(b.N), "dropped/op")
			}
		})
	}
}

// BenchmarkRedisShareLag is how long one event takes from a replica's
// Publish to its peer's monitor, one at a time on an idle fleet: the delay
// by which a peer's counts trail.
func BenchmarkRedisShareLag(b *testing.B) {
	needRedis(b, redisAddr)
	ro := RedisOptions{Addr: redisAddr, Prefix: redisPrefix(b)}
	a, p := NewRedisShare(ShareOptions{RedisOptions: ro}), NewRedisShare(ShareOptions{RedisOptions: ro})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	sink := Remote{Observe: func(scenarios.Event) {}, Learn: func(string, string) {}}
	go func() { done <- a.Run(ctx, sink) }()
	go func() { done <- p.Run(ctx, sink) }()
	b.Cleanup(func() { cancel(); <-done; <-done })
	<-a.Ready()
	<-p.Ready()
	ev := scenarios.Event{Method: "GET", Path: "/users/7", Identity: "mallory", TokenID: "tok", Addr: "10.0.0.1", Status: 200}
	n := uint64(0)
	for b.Loop() {
		a.Publish(&ev)
		n++
		if err := p.applied.wait(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShareEnqueue is what Publish adds to a request: the event's
// copy into the queue (no Redis; the queue is emptied off the clock
// whenever it fills, so every Publish here is a successful one).
func BenchmarkShareEnqueue(b *testing.B) {
	s := NewRedisShare(ShareOptions{RedisOptions: RedisOptions{Addr: redisAddr}})
	b.Cleanup(func() { s.rdb.Close() })
	ev := scenarios.Event{Method: "GET", Path: "/users/7", Identity: "mallory", TokenID: "tok", Addr: "10.0.0.1", Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		if len(s.queue) == cap(s.queue) {
			b.StopTimer()
			for len(s.queue) > 0 {
				<-s.queue
			}
			b.StartTimer()
		}
		s.Publish(&ev)
	}
	require.Zero(b, counterNow(s.dropped))
}

// counterNow reads a counter.
func counterNow(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
