package guard

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/abusegate/abusegate/scenarios"
)

// Admin is the guard's admin API, served on its own listener (loopback by
// default): GET /decisions, GET /decisions/stream (server-sent events, the
// oracle's detection source), DELETE /decisions/{id}, /metrics and
// /healthz. A non-empty token is required as a bearer token on every path
// but /healthz.
func (g *Guard) Admin(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /decisions", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(g.Decisions())
	})
	mux.HandleFunc("GET /decisions/stream", g.stream)
	mux.HandleFunc("DELETE /decisions/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		_, _ = g.local.Delete(r.Context(), id)
		ok, err := g.store.Delete(r.Context(), id)
		switch {
		case err != nil:
			g.storeFailed("delete", err)
			http.Error(w, "decision store unavailable", http.StatusServiceUnavailable)
		case !ok:
			http.Error(w, fmt.Sprintf("no live decision %q", id), http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.reg, promhttp.HandlerOpts{}))
	if token == "" {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(bearerToken(r.Header)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="abusegate-admin"`)
			http.Error(w, "admin token required", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// stream sends every decision made so far, then each new one, as
// server-sent events ("event: decision", JSON data) until the client goes.
func (g *Guard) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch := g.broker.subscribe()
	defer g.broker.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	seen := map[string]bool{}
	send := func(d scenarios.Decision) bool {
		if seen[d.ID] {
			return true
		}
		seen[d.ID] = true
		b, _ := json.Marshal(d)
		if _, err := fmt.Fprintf(w, "id: %s\nevent: decision\ndata: %s\n\n", d.ID, b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	for _, d := range g.Decisions() {
		if !send(d) {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case d := <-ch:
			if !send(d) {
				return
			}
		}
	}
}

// broker fans decisions out to stream subscribers; a subscriber that falls
// 1024 decisions behind misses the newest (it can re-read GET /decisions).
type broker struct {
	mu   sync.Mutex
	subs map[chan scenarios.Decision]struct{}
}

func newBroker() *broker { return &broker{subs: map[chan scenarios.Decision]struct{}{}} }

func (b *broker) subscribe() chan scenarios.Decision {
	ch := make(chan scenarios.Decision, 1024)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch
}

func (b *broker) unsubscribe(ch chan scenarios.Decision) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *broker) publish(d scenarios.Decision) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- d:
		default:
		}
	}
}
