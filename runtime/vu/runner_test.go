package vu

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// countdown sends n GETs to path, then stops; with n < 0 it never stops.
type countdown struct {
	n    int
	path string
	seen []int
}

func (c *countdown) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil {
		c.seen = append(c.seen, prev.Status)
	}
	if c.n == 0 {
		return scenarios.Step{}, false
	}
	c.n--
	return scenarios.Step{Request: scenarios.Request{Method: http.MethodGet, Path: c.path, Route: c.path, Abusive: true}}, true
}

func (c *countdown) Session() scenarios.Session {
	return scenarios.Session{ID: "s1", Identity: "mallory", TokenID: "tok-1"}
}

func target(t testing.TB, h http.HandlerFunc) *url.URL {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u
}

func TestRunRecordsEveryExchange(t *testing.T) {
	var corr atomic.Value
	u := target(t, func(w http.ResponseWriter, r *http.Request) {
		corr.Store(r.Header.Get(scenarios.CorrelationHeader) + "|" + r.UserAgent())
		if r.URL.Path == "/denied" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	progs := []*countdown{{n: 3, path: "/ok"}, {n: 2, path: "/denied"}}
	loads := []Workload{{
		Scenario: "enum", Actor: scenarios.Attacker, VUs: 2, Duration: time.Minute,
		Program: func(vu int) (scenarios.Program, error) { return progs[vu], nil },
	}}
	var rec Recorder
	r := &Runner{Target: u}
	require.NoError(t, r.Run(context.Background(), loads, &rec))

	got := rec.Exchanges()
	require.Len(t, got, 5)
	byOutcome := map[scenarios.Outcome]int{}
	for _, ex := range got {
		byOutcome[ex.Outcome]++
		assert.Equal(t, "mallory", ex.Identity)
		assert.Equal(t, "127.0.0.1", ex.Addr)
		assert.False(t, ex.Sent.After(ex.FirstByte), "sent %v after first byte %v", ex.Sent, ex.FirstByte)
		assert.False(t, ex.FirstByte.After(ex.Done))
	}
	assert.Equal(t, map[scenarios.Outcome]int{scenarios.OutcomeSuccess: 3, scenarios.OutcomeDenied: 2}, byOutcome)
	assert.Equal(t, []int{200, 200, 200}, progs[0].seen, "the program sees each answer")
	assert.Regexp(t, `^enum-\d-\d\|abusegate ag/enum-\d-\d$`, corr.Load())
}

func TestRunStopsAtBudget(t *testing.T) {
	var hits atomic.Int64
	u := target(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	loads := []Workload{{
		Scenario: "flood", Actor: scenarios.Attacker, VUs: 3, Duration: time.Minute,
		Program: func(int) (scenarios.Program, error) { return &countdown{n: -1, path: "/"}, nil },
	}}
	var rec Recorder
	err := (&Runner{Target: u, MaxRequests: 25}).Run(context.Background(), loads, &rec)
	require.ErrorIs(t, err, ErrBudget)
	assert.Equal(t, int64(25), hits.Load())
	assert.Equal(t, 25, rec.Len())
}

func TestRunRefusesHostsOffTheAllowList(t *testing.T) {
	var hits atomic.Int64
	u := target(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	loads := []Workload{{
		Scenario: "escape", Actor: scenarios.Attacker, VUs: 1, Duration: time.Minute,
		Program: func(int) (scenarios.Program, error) {
			// An absolute URL elsewhere on loopback: off the allow-list all the same.
			return &countdown{n: 1, path: "http://127.0.0.2:" + u.Port() + "/x"}, nil
		},
	}}
	var rec Recorder
	require.NoError(t, (&Runner{Target: u}).Run(context.Background(), loads, &rec))
	got := rec.Exchanges()
	require.Len(t, got, 1)
	assert.Equal(t, scenarios.OutcomeError, got[0].Outcome)
	assert.Contains(t, got[0].Err, "allow-list")
	assert.Zero(t, hits.Load())
}

func TestNewTransportRefusesNonLoopback(t *testing.T) {
	tr := NewTransport(nil)
	_, err := tr.DialContext(context.Background(), "tcp", "192.0.2.1:80")
	require.ErrorIs(t, err, ErrNotAllowed)
}

func TestRunStopsOnCancel(t *testing.T) {
	u := target(t, func(w http.ResponseWriter, r *http.Request) {})
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	loads := []Workload{{
		Scenario: "s", Actor: scenarios.Benign, VUs: 2, Duration: time.Hour,
		Program: func(int) (scenarios.Program, error) {
			return programFunc(func(*scenarios.Result) (scenarios.Step, bool) {
				if n.Add(1) == 10 {
					cancel()
				}
				return scenarios.Step{Request: scenarios.Request{Method: http.MethodGet, Path: "/"}}, true
			}), nil
		},
	}}
	var rec Recorder
	err := (&Runner{Target: u}).Run(ctx, loads, &rec)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, rec.Len(), 20)
}

type programFunc func(*scenarios.Result) (scenarios.Step, bool)

func (f programFunc) Next(prev *scenarios.Result) (scenarios.Step, bool) { return f(prev) }
