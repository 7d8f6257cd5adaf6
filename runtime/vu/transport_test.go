package vu

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func get(path string) scenarios.Request { return scenarios.Request{Method: http.MethodGet, Path: path} }

func once(reqs ...scenarios.Request) func(int) (scenarios.Program, error) {
	return func(int) (scenarios.Program, error) {
		var links []Link
		for _, r := range reqs {
			links = append(links, Link{Request: r})
		}
		return NewChain(nil, links...), nil
	}
}

func run1(t *testing.T, r *Runner, prog func(int) (scenarios.Program, error)) []scenarios.Exchange {
	t.Helper()
	var rec Recorder
	require.NoError(t, r.Run(t.Context(), []Workload{{Scenario: "s", VUs: 1, Duration: time.Minute, Program: prog}}, &rec))
	return rec.Exchanges()
}

func TestRedirectsStayInsideTheAllowList(t *testing.T) {
	var offList atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { offList.Add(1) }))
	t.Cleanup(elsewhere.Close)
	u := target(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/inside":
			http.Redirect(w, r, "/landing", http.StatusFound)
		case "/outside":
			http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusFound)
		case "/landing":
			_, _ = w.Write([]byte("ok"))
		}
	})
	exs := run1(t, &Runner{Target: u}, once(get("/inside"), get("/outside")))
	require.Len(t, exs, 2)
	assert.Equal(t, http.StatusOK, exs[0].Status, "an on-list redirect is followed")
	assert.Empty(t, exs[0].Refused)
	assert.Equal(t, scenarios.OutcomeError, exs[1].Outcome)
	assert.Equal(t, elsewhere.URL+"/stolen", exs[1].Refused, "the refused redirect is reported")
	assert.Contains(t, exs[1].Err, "allow-list")
	assert.Zero(t, offList.Load(), "nothing reached the off-list host")
}

func TestHTTP2OverTLSVerifiesUnlessTold(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proto.Store(r.Proto) }))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)

	exs := run1(t, &Runner{Target: u}, once(get("/")))
	require.Len(t, exs, 1)
	assert.Equal(t, scenarios.OutcomeError, exs[0].Outcome)
	assert.Contains(t, exs[0].Err, "certificate", "certificates are verified by default")

	exs = run1(t, &Runner{Target: u, TLS: &tls.Config{InsecureSkipVerify: true}}, once(get("/")))
	require.Len(t, exs, 1)
	assert.Equal(t, http.StatusOK, exs[0].Status)
	assert.Equal(t, "HTTP/2.0", proto.Load())
}

func TestBoundedBodiesAndTimeouts(t *testing.T) {
	u := target(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		_, _ = w.Write([]byte(strings.Repeat("x", 10_000)))
	})
	exs := run1(t, &Runner{Target: u, ReadLimit: 1000, Timeout: 200 * time.Millisecond}, once(get("/big"), get("/slow")))
	require.Len(t, exs, 2)
	assert.Equal(t, int64(1000), exs[0].Bytes)
	assert.Equal(t, scenarios.OutcomeError, exs[1].Outcome)
	assert.Contains(t, exs[1].Err, "deadline exceeded")
}

func TestChaining(t *testing.T) {
	u := target(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/login":
			http.SetCookie(w, &http.Cookie{Name: "csrf", Value: "c-1"})
			w.Header().Set("X-Session", "s-42")
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"token": "tok-abc"}})
		case r.Header.Get("Authorization") != "Bearer tok-abc":
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/missing":
			_, _ = w.Write([]byte(`{}`))
		case r.URL.Path == "/orders":
			_ = json.NewEncoder(w).Encode(map[string]any{"items": []any{map[string]any{"id": 7}, map[string]any{"id": 9}, map[string]any{"id": "a/b"}}})
		default:
			_, _ = w.Write([]byte(r.Header.Get("X-Csrf") + " " + r.Header.Get("X-Session")))
		}
	})
	auth := http.Header{"Authorization": {"Bearer {{token}}"}, "X-Csrf": {"{{csrf}}"}, "X-Session": {"{{session}}"}}
	var chain *Chain
	var rec Recorder
	load := Workload{Scenario: "chain", VUs: 1, Duration: time.Minute, Program: func(int) (scenarios.Program, error) {
		chain = NewChain(nil,
			Link{Request: scenarios.Request{Method: http.MethodPost, Path: "/login"}, Capture: []Capture{
				{Var: "token", From: FromJSON, Expr: "/data/token"},
				{Var: "csrf", From: FromCookie, Expr: "csrf"},
				{Var: "session", From: FromHeader, Expr: "X-Session"},
			}},
			Link{Request: scenarios.Request{Method: http.MethodGet, Path: "/orders", Header: auth},
				Capture: []Capture{{Var: "ids", From: FromJSON, Expr: "/items", Each: "/id"}}},
			Link{Request: scenarios.Request{Method: http.MethodGet, Path: "/orders/{{item}}", Header: auth}, ForEach: "ids"},
			Link{Request: scenarios.Request{Method: http.MethodGet, Path: "/missing", Header: auth}, Capture: []Capture{{Var: "x", From: FromJSON, Expr: "/nope"}}},
			Link{Request: get("/never")},
		)
		return chain, nil
	}}
	require.NoError(t, (&Runner{Target: u, Clock: NewSimClock(epoch)}).Run(t.Context(), []Workload{load}, &rec))
	var paths []string
	for _, ex := range rec.Exchanges() {
		paths = append(paths, ex.Path)
		assert.NotEqual(t, http.StatusUnauthorized, ex.Status, ex.Path)
	}
	assert.Equal(t, []string{"/login", "/orders", "/orders/7", "/orders/9", "/orders/a/b", "/missing"}, paths)
	assert.Equal(t, []string{"7", "9", "a/b"}, chain.Vars["ids"])
	require.ErrorIs(t, chain.Err, ErrNoValue, "a capture that finds nothing ends the iteration")
}

func TestJSONPointer(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(`{"a":{"b/c":[1,{"~d":"x"}]}}`), &doc))
	tests := []struct {
		ptr, want, err string
	}{
		{"/a/b~1c/1/~0d", "x", ""},
		{"/a/b~1c/0", "1", ""},
		{"/a/b~1c/2", "", "no element"},
		{"/a/zz", "", "no member"},
		{"a", "", "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.ptr, func(t *testing.T) {
			v, err := JSONPointer(doc, tt.ptr)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, scalar(v))
		})
	}
}

func TestRateCapBoundsTheRun(t *testing.T) {
	u := target(t, func(http.ResponseWriter, *http.Request) {})
	var rec Recorder
	load := Workload{Scenario: "flood", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 5, Duration: 3 * time.Second},
		Program: func(int) (scenarios.Program, error) { return &paced{n: -1}, nil }}
	r := &Runner{Target: u, Clock: NewSimClock(epoch), Rate: 10, Burst: 1}
	require.NoError(t, r.Run(t.Context(), []Workload{load}, &rec))
	exs := rec.Exchanges()
	require.Len(t, exs, 30, "10 requests/s for 3s, whatever the VUs want")
	for i, ex := range exs {
		assert.Equal(t, time.Duration(i)*100*time.Millisecond, ex.Sent.Sub(epoch))
	}
}

func TestCancelLetsRequestsInFlightFinish(t *testing.T) {
	for _, tt := range []struct {
		name   string
		grace  time.Duration
		status int
	}{
		{"within the grace period", time.Minute, http.StatusOK},
		{"past it", time.Millisecond, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, release := make(chan struct{}), make(chan struct{})
			u := target(t, func(w http.ResponseWriter, r *http.Request) {
				close(in)
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			ctx, cancel := context.WithCancel(t.Context())
			var rec Recorder
			done := make(chan error)
			go func() {
				done <- (&Runner{Target: u, Grace: tt.grace}).Run(ctx, []Workload{{Scenario: "s", VUs: 1, Duration: time.Hour,
					Program: func(int) (scenarios.Program, error) { return &paced{n: -1}, nil }}}, &rec)
			}()
			<-in
			cancel()
			if tt.status != 0 {
				close(release)
			}
			require.ErrorIs(t, <-done, context.Canceled)
			exs := rec.Exchanges()
			require.Len(t, exs, 1, "no request starts after the cancel")
			assert.Equal(t, tt.status, exs[0].Status)
		})
	}
}

func TestDescribe(t *testing.T) {
	loads := []Workload{
		{Scenario: "shoppers", Actor: scenarios.Benign, Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 20, Duration: time.Minute},
			Think: scenarios.ConstantThink(time.Second), Program: pacedProgram(1, 0)},
		{Scenario: "enum", Actor: scenarios.Attacker, Schedule: scenarios.Schedule{Executor: scenarios.RampingVUs, Start: 10 * time.Second,
			Stages: []scenarios.Stage{{Duration: 5 * time.Second, Target: 7}, {Duration: 20 * time.Second, Target: 7}}}, Program: pacedProgram(1, 0)},
		{Scenario: "stuffing", Actor: scenarios.Attacker, Schedule: scenarios.Schedule{Executor: scenarios.ConstantArrivalRate, Rate: 7,
			TimeUnit: time.Minute, Duration: 10 * time.Minute, MaxVUs: 3}, Program: pacedProgram(1, 0)},
	}
	assert.Equal(t, `shoppers (benign): constant-vus, 20 VUs, from +0s to +1m0s; graceful stop 0s; think constant 1s
enum (attacker): ramping-vus from 0 VUs, from +10s to +35s:
  +10s..+15s: 0 -> 7 VUs
  +15s..+35s: 7 -> 7 VUs; graceful stop 0s
stuffing (attacker): constant-arrival-rate, 7 iterations per 1m0s, from +0s to +10m0s: 70 iterations planned, VUs 1 pre-allocated, at most 3 (iterations finding none are dropped); graceful stop 0s
`, Describe(loads, Segment{}))
	seg := Describe(loads, Segment{I: 2, N: 3})
	assert.Contains(t, seg, "segment 2/3")
	assert.Contains(t, seg, "6 of 20 VUs")
	assert.Contains(t, seg, "+10s..+15s: 0 -> 2 VUs")
	assert.Contains(t, seg, "23 iterations planned of 70")
	assert.Contains(t, Describe([]Workload{{Scenario: "bad", Schedule: scenarios.Schedule{Executor: scenarios.ConstantArrivalRate}}}, Segment{}),
		"INVALID")
}
