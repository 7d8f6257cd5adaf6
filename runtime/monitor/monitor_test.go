package monitor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// expectedDecision is one entry of a case's expected.json; Reason is
// checked only when given, as a substring, and Level only when given.
type expectedDecision struct {
	Subject  string `json:"subject"`
	Detector string `json:"detector"`
	Action   string `json:"action"`
	Reason   string `json:"reason,omitempty"`
	// Level is the escalation level, checked only when given.
	Level *int `json:"level,omitempty"`
}

// TestCases replays every testdata/<case>/events.jsonl through a Monitor
// with the default policy (or the case's policy.yaml) and compares the
// decisions with testdata/<case>/expected.json.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "events.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, events := range dirs {
		dir := filepath.Dir(events)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg := Config{}
			if p := filepath.Join(dir, "policy.yaml"); fileExists(p) {
				pol, err := LoadPolicy(p)
				require.NoError(t, err)
				cfg.Policy = pol
			}
			m := New(shopSurface(), cfg)
			var got []expectedDecision
			for _, req := range readRequests(t, events) {
				for _, d := range replay(m, req) {
					assert.True(t, d.Expires.After(d.Time), "decision %s expires after it is taken", d.ID)
					assert.NotEmpty(t, d.Reasons, "decision %s explains its score", d.ID)
					got = append(got, expectedDecision{
						Subject: d.Subject.String(), Detector: d.Detector, Action: d.Action.String(), Reason: d.Reason, Level: &d.Level,
					})
				}
			}
			want := readExpected(t, filepath.Join(dir, "expected.json"))
			require.Len(t, got, len(want), "decisions: %+v", got)
			for i := range want {
				if want[i].Reason != "" {
					assert.Contains(t, got[i].Reason, want[i].Reason, "decision %d", i)
				}
				got[i].Reason = want[i].Reason
				if want[i].Level == nil {
					got[i].Level = nil
				}
				assert.Equal(t, want[i], got[i], "decision %d", i)
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// request is one line of events.jsonl: an event, or a JSON array of the
// events of one HTTP request carrying several operations (the fields of a
// GraphQL document), which the guard inspects before serving it and
// observes field by field once answered.
type request struct {
	evs   []scenarios.Event
	multi bool
}

// replay feeds one request to m as the guard does.
func replay(m *Monitor, r request) []scenarios.Decision {
	var out []scenarios.Decision
	if r.multi {
		out = append(out, m.Inspect(r.evs)...)
		out = append(out, m.InspectOperations(r.evs)...)
	} else {
		out = append(out, m.InspectRequest(r.evs[0])...)
	}
	for _, ev := range r.evs {
		out = append(out, m.Observe(ev)...)
	}
	return out
}

func readRequests(t *testing.T, path string) []request {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []request
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for line := 1; sc.Scan(); line++ {
		var r request
		if b := sc.Bytes(); len(b) > 0 && b[0] == '[' {
			r.multi = true
			require.NoError(t, json.Unmarshal(b, &r.evs), "%s:%d", path, line)
		} else {
			var ev scenarios.Event
			require.NoError(t, json.Unmarshal(b, &ev), "%s:%d", path, line)
			r.evs = []scenarios.Event{ev}
		}
		out = append(out, r)
	}
	require.NoError(t, sc.Err())
	return out
}

// readEvents is every event of a case, requests flattened.
func readEvents(t *testing.T, path string) []scenarios.Event {
	t.Helper()
	var evs []scenarios.Event
	for _, r := range readRequests(t, path) {
		evs = append(evs, r.evs...)
	}
	return evs
}

func readExpected(t *testing.T, path string) []expectedDecision {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var want []expectedDecision
	require.NoError(t, json.Unmarshal(b, &want), path)
	return want
}

func TestDecisionFields(t *testing.T) {
	pol, err := ParsePolicy("p.yaml", []byte(`version: 1
detectors:
  enumeration: {window: 1s, distinct: 3, suspicious: 3}
rules:
  - {name: block-it, action: block, ttl: 1m}
`))
	require.NoError(t, err)
	m := New(shopSurface(), Config{Policy: pol})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m.Learn("tok-1", "mallory")
	var got []scenarios.Decision
	for i, id := range []string{"a", "b", "c"} {
		got = append(got, m.Observe(scenarios.Event{
			Time: t0.Add(time.Duration(i) * 100 * time.Millisecond), Method: "GET", Path: "/users/" + id, TokenID: "tok-1",
		})...)
	}
	require.Len(t, got, 2)
	at := t0.Add(200 * time.Millisecond)
	assert.Equal(t, scenarios.Decision{
		ID: "d-000001", Time: at, Subject: scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"},
		Action: scenarios.ActionBlock, Expires: at.Add(time.Minute), Detector: EnumerationName,
		Reason: "read 3 distinct /users/{id} objects in 200ms", Score: 100, Rule: "block-it",
		Reasons: []string{"100: enumeration: read 3 distinct /users/{id} objects in 200ms"},
	}, got[0])
	assert.Equal(t, "d-000002", got[1].ID)
	assert.Equal(t, scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-1"}, got[1].Subject)
}

func TestLearn(t *testing.T) {
	m := New(shopSurface(), Config{})
	assert.Empty(t, m.Identity("tok-x"))
	m.Learn("tok-x", "alice")
	assert.Equal(t, "alice", m.Identity("tok-x"))
	m.Learn("tok-x", "bob")
	assert.Equal(t, "bob", m.Identity("tok-x"))
	m.Learn("", "carol")
	assert.Empty(t, m.Identity(""))
}

func TestLearnIsBounded(t *testing.T) {
	m := New(shopSurface(), Config{})
	for i := range maxTokens + 10 {
		m.Learn(fmt.Sprintf("tok-%d", i), "u")
	}
	assert.Len(t, m.tokens, maxTokens)
	assert.Empty(t, m.Identity("tok-0"), "oldest evicted")
	assert.Equal(t, "u", m.Identity(fmt.Sprintf("tok-%d", maxTokens+9)))
}

func TestIdleRecordsAreSwept(t *testing.T) {
	m := New(shopSurface(), Config{})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		m.Observe(scenarios.Event{Time: t0, Method: "GET", Path: "/users/1", TokenID: fmt.Sprintf("tok-%d", i)})
	}
	for i := range 10 {
		m.Observe(scenarios.Event{Time: t0, Method: "GET", Path: "/users/1", Identity: fmt.Sprintf("u%d", i)})
	}
	assert.Equal(t, 110, m.recs.len())
	idle := recordIdle(m.Policy())
	m.Observe(scenarios.Event{Time: t0.Add(idle + time.Minute), Method: "GET", Path: "/users/1", TokenID: "tok-0"})
	assert.Equal(t, 11, m.recs.len(), "tokens idle past every detector window are swept, identities keep their profile")
	m.Observe(scenarios.Event{Time: t0.Add(profileIdle + 2*idle), Method: "GET", Path: "/users/1", TokenID: "tok-0"})
	assert.Equal(t, 1, m.recs.len(), "only the record just touched is left")
}

func TestIdleWalkObjectsExpire(t *testing.T) {
	m := New(shopSurface(), Config{})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		m.Observe(scenarios.Event{Time: t0, Method: "GET", Path: fmt.Sprintf("/users/%d", i), Identity: "u"})
	}
	rec := m.recs.lookup(m.h.key("u"))
	require.NotNil(t, rec)
	assert.Len(t, rec.walk.seen, 5)
	m.Observe(scenarios.Event{Time: t0.Add(m.Policy().Enumeration.Window), Method: "GET", Path: "/users/9", Identity: "u"})
	assert.Len(t, rec.walk.seen, 1, "reads older than the window are forgotten")
}

func TestTablesAreBounded(t *testing.T) {
	m := New(shopSurface(), Config{MaxKeys: 50})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 500 {
		m.Observe(scenarios.Event{Time: t0, Method: "GET", Path: "/users/1", Identity: fmt.Sprintf("u%d", i), Status: 200,
			Fingerprint: fmt.Sprintf("fp-%d", i)})
		m.Observe(scenarios.Event{Time: t0, Method: "GET", Path: "/users/1", Addr: fmt.Sprintf("10.0.%d.%d", i/256, i%256),
			Fingerprint: fmt.Sprintf("fp-%d", i), Status: 200})
	}
	assert.LessOrEqual(t, m.recs.len(), 50)
	assert.LessOrEqual(t, len(m.recs.chunks), 1, "freed records are reused")
	assert.LessOrEqual(t, len(m.rate.fps.m), 50)
}

func TestObserveConcurrent(t *testing.T) {
	m := New(shopSurface(), Config{})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]bool{}
	)
	for g := range 8 {
		wg.Go(func() {
			tok := fmt.Sprintf("tok-%d", g)
			m.Learn(tok, fmt.Sprintf("user-%d", g))
			for i := range 50 {
				for _, d := range m.Observe(scenarios.Event{
					Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Method: "GET",
					Path: fmt.Sprintf("/users/%d", i), TokenID: tok,
				}) {
					mu.Lock()
					assert.False(t, ids[d.ID], "duplicate id %s", d.ID)
					ids[d.ID] = true
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	assert.GreaterOrEqual(t, len(ids), 16, "at least one identity and one token decision per walker")
}

// TestWindowsSlide: stuffing and coupon counts slide like the rate
// detector's, so a burst split across a window boundary is still one
// burst (counts that reset all at once would see two halves under the
// threshold).
func TestWindowsSlide(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	login := func(at time.Duration, user string) scenarios.Event {
		return scenarios.Event{Time: t0.Add(at), Method: "POST", Path: "/login", Status: 401, Addr: "203.0.113.9", Username: user}
	}
	coupon := func(at time.Duration, code string) scenarios.Event {
		return scenarios.Event{Time: t0.Add(at), Method: "POST", Path: "/cart/coupon", Status: 200, Identity: "ann",
			Coupon: code, Cart: "c-9", Fingerprint: fmt.Sprintf("fp-%s", code)}
	}
	tests := []struct {
		name     string
		events   []scenarios.Event
		detector string
	}{
		{name: "stuffing", detector: StuffingName, events: []scenarios.Event{
			login(0, "u0"),
			login(9*time.Minute+55*time.Second, "u1"), login(9*time.Minute+56*time.Second, "u2"),
			login(9*time.Minute+57*time.Second, "u3"), login(9*time.Minute+58*time.Second, "u4"),
			login(10*time.Minute+5*time.Second, "u5"), login(10*time.Minute+6*time.Second, "u6"),
			login(10*time.Minute+7*time.Second, "u7"), login(10*time.Minute+8*time.Second, "u8"),
			login(10*time.Minute+9*time.Second, "u9"), login(10*time.Minute+10*time.Second, "u10"),
		}},
		{name: "coupon attempts", detector: CouponName, events: []scenarios.Event{
			coupon(0, "A"),
			coupon(29*time.Minute+50*time.Second, "B"), coupon(29*time.Minute+51*time.Second, "C"), coupon(29*time.Minute+52*time.Second, "D"),
			coupon(30*time.Minute+10*time.Second, "E"), coupon(30*time.Minute+11*time.Second, "F"), coupon(30*time.Minute+12*time.Second, "G"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(shopSurface(), Config{})
			var got []string
			for _, ev := range tt.events {
				for _, d := range m.Observe(ev) {
					got = append(got, d.Detector)
				}
			}
			assert.Contains(t, got, tt.detector)
		})
	}
}

// TestLiveHeapPopsSoonestFirst: the expiry heap sweepLive pops from gives
// its entries back by time whatever the order they came in, with ties.
func TestLiveHeapPopsSoonestFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var h liveHeap
	var want []int64
	for round := range 50 {
		for range r.IntN(40) {
			at := int64(r.IntN(100))
			h.push(liveExpiry{at: at, key: liveKey{rule: fmt.Sprint(at)}})
			want = append(want, at)
		}
		slices.Sort(want)
		n := r.IntN(len(want) + 1)
		for i := range n {
			e := h.pop()
			require.Equal(t, want[i], e.at, "round %d pop %d", round, i)
			require.Equal(t, fmt.Sprint(e.at), e.key.rule, "the key travels with its time")
		}
		want = want[n:]
		require.Len(t, h, len(want))
	}
}

// TestSweepLiveForgetsOnlyExpired: with many subjects contained at once,
// a sweep forgets exactly the decisions that ended, including one decided
// again since with a shorter TTL, and keeps the live ones.
func TestSweepLiveForgetsOnlyExpired(t *testing.T) {
	m := New(shopSurface(), Config{})
	set := func(rule, who string, at int64) {
		k := liveKey{rule: rule, subject: subj(scenarios.SubjectIdentity, who)}
		m.live[k] = at
		m.expiries.push(liveExpiry{at: at, key: k})
	}
	for i := range 100 {
		set("r", fmt.Sprintf("u%d", i), int64(1000+i))
	}
	set("r", "u7", 2000) // decided again: lives longer
	set("r", "u8", 10)   // decided again, shorter: gone at the first sweep
	m.sweepLive(1049)
	for i := range 100 {
		_, ok := m.live[liveKey{rule: "r", subject: subj(scenarios.SubjectIdentity, fmt.Sprintf("u%d", i))}]
		assert.Equal(t, i > 49 && i != 8 || i == 7, ok, "u%d", i)
	}
}
