package oracle_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/scenarios"
)

// wafLogin is a real login endpoint behind a device-blocking detector, as
// the demo's guard is: at a device's 5th failed login it blocks the device
// (naming it by a hash of its User-Agent, its own naming, which the
// harness's device profile names cannot match) and denies that request
// and every later one from the device; at the 3rd request it denies it
// raises an account-takeover alert naming the username tried, the first
// decision that names one of the scenario's own subjects.
type wafLogin struct {
	valid map[string]string

	mu        sync.Mutex
	failures  map[string]int
	blocked   map[string]int // denials answered per blocked device
	decisions []scenarios.Decision
}

func (w *wafLogin) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var body struct{ Username, Password string }
	if r.Method != http.MethodPost || r.URL.Path != "/login" || json.NewDecoder(r.Body).Decode(&body) != nil {
		http.Error(rw, "bad request", http.StatusBadRequest)
		return
	}
	h := fnv.New64a()
	h.Write([]byte(r.UserAgent()))
	device := fmt.Sprintf("fp-%x", h.Sum64()>>16)

	w.mu.Lock()
	defer w.mu.Unlock()
	decide := func(s scenarios.Subject, a scenarios.Action, reason string) {
		w.decisions = append(w.decisions, scenarios.Decision{
			ID: fmt.Sprintf("waf-%d", len(w.decisions)+1), Time: time.Now(), Subject: s, Action: a,
			Detector: "waf", Reason: reason, Enforced: a != scenarios.ActionAlert,
		})
	}
	if n, ok := w.blocked[device]; ok {
		w.blocked[device] = n + 1
		if n+1 == 3 {
			decide(scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: body.Username}, scenarios.ActionAlert, "account takeover attempts")
		}
		http.Error(rw, "blocked", http.StatusForbidden)
		return
	}
	if pw, ok := w.valid[body.Username]; ok && pw == body.Password {
		_ = json.NewEncoder(rw).Encode(map[string]string{"token": "t-" + body.Username})
		return
	}
	w.failures[device]++
	if w.failures[device] < 5 {
		http.Error(rw, "wrong credentials", http.StatusUnauthorized)
		return
	}
	decide(scenarios.Subject{Kind: scenarios.SubjectFingerprint, Value: device}, scenarios.ActionBlock, "5 failed logins from one device")
	w.blocked[device] = 1
	http.Error(rw, "blocked", http.StatusForbidden)
}

// The stuffing case of the demo ("contained 1.25s, detected 1.42s"): the
// target contained the scenario through a decision the oracle could not
// tie to it, and the first decision naming the scenario came later. A
// containment implies a detection, so MTTD <= MTTC all the same.
func TestRealTargetContainedBeforeItsAlert(t *testing.T) {
	waf := &wafLogin{valid: map[string]string{}, failures: map[string]int{}, blocked: map[string]int{}}
	var pairs [][2]string
	for i := range 30 {
		user, pw := fmt.Sprintf("user%02d", i), fmt.Sprintf("pw%02d", i)
		if i%5 == 0 { // one pair in five reuses its password here
			waf.valid[user] = pw
		} else {
			pw += "!"
		}
		pairs = append(pairs, [2]string{user, pw})
	}
	srv := httptest.NewServer(waf)
	defer srv.Close()

	start := time.Now()
	var xs []scenarios.Exchange
	for i, p := range pairs {
		b, err := json.Marshal(map[string]string{"username": p[0], "password": p[1]})
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/login", bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		x := scenarios.Exchange{
			Scenario: "stuffing", Actor: scenarios.Attacker, Session: fmt.Sprintf("stuffing/%d", i), Identity: p[0],
			Addr: "127.0.0.1", CorrelationID: fmt.Sprintf("stuffing-0-%d", i), Fingerprint: "firefox-linux-attacker",
			Method: http.MethodPost, Route: "/login", Path: "/login", Abusive: true, Sent: time.Now(),
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		x.Done, x.Status = time.Now(), res.StatusCode
		switch res.StatusCode {
		case http.StatusOK:
			x.Outcome, x.Leak = scenarios.OutcomeSuccess, 1
		case http.StatusForbidden:
			x.Outcome = scenarios.OutcomeDenied
		default:
			x.Outcome = scenarios.OutcomeFailed
		}
		xs = append(xs, x)
	}

	waf.mu.Lock()
	decisions := waf.decisions
	waf.mu.Unlock()
	require.Len(t, decisions, 2, "the device block, then the alert")
	require.Equal(t, scenarios.SubjectFingerprint, decisions[0].Subject.Kind)
	require.Equal(t, scenarios.SubjectIdentity, decisions[1].Subject.Kind)

	sc := scenarios.Scenario{ID: "stuffing", Kind: "rest.credential-stuffing", LeakUnit: "valid accounts", SLA: scenarios.SLA{MaxLeak: -1, MaxBenign: -1}}
	v := oracle.Judge(scenarios.Timeline{Start: start, End: time.Now(), Exchanges: xs, Decisions: decisions}, []scenarios.Scenario{sc}).Verdicts[0]

	// Pairs 1-4 and 6 fail, the 5th failure (pair 6) is denied and every
	// later pair too: contained from pair 6 on, pairs 0 and 5 leaked.
	require.True(t, v.Contained)
	assert.Equal(t, xs[6].Sent, v.ContainedAt)
	assert.Equal(t, 2, v.LeakBefore)
	assert.Equal(t, oracle.Contained, v.Status)
	// The only decision naming the scenario came after the containment:
	// measured from it, MTTD would exceed MTTC.
	require.True(t, decisions[1].Time.After(v.ContainedAt))

	require.True(t, v.Detected)
	assert.LessOrEqual(t, v.MTTD, v.MTTC)
	assert.Equal(t, v.MTTC, v.MTTD, "detected by the time it was contained")
	assert.True(t, v.Detection.FromContainment)
	assert.Equal(t, v.ContainedAt, v.Detection.Time)
	// The alert says who detected it, and when it reported.
	assert.Equal(t, "waf-2", v.Detection.Decision)
	assert.Equal(t, decisions[1].Time, v.Detection.DecidedAt)
	assert.Empty(t, v.Breaches)
}
