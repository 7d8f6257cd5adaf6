package guard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

func TestOffPassesThroughWithoutMonitoring(t *testing.T) {
	r := newRig(t, Off)
	tok := r.login(t, "mallory")
	assert.Equal(t, repeat(http.StatusOK, 30), r.walk(t, tok, 1, 30))
	assert.Equal(t, 30, r.back.count("GET /users/{id} Bearer "+tok))
	assert.Empty(t, r.guard.Decisions())
}

func TestObserveRecordsButNeverDenies(t *testing.T) {
	r := newRig(t, Observe)
	tok := r.login(t, "mallory")
	assert.Equal(t, repeat(http.StatusOK, 30), r.walk(t, tok, 1, 30))
	assert.Equal(t, 30, r.back.count("GET /users/{id} Bearer "+tok))
	r.login(t, "mallory")

	ds := r.guard.Decisions()
	require.Len(t, ds, 2)
	for _, d := range ds {
		assert.False(t, d.Enforced)
		assert.Equal(t, monitor.DistinctObjectsName, d.Detector)
	}
	assert.Equal(t, scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"}, ds[0].Subject)
	assert.Equal(t, scenarios.Subject{Kind: scenarios.SubjectToken, Value: scenarios.TokenID(tok)}, ds[1].Subject)
}

func TestEnforceContainsEnumeration(t *testing.T) {
	r := newRig(t, Enforce)
	alice := r.login(t, "alice")
	mallory := r.login(t, "mallory")

	codes := r.walk(t, mallory, 1, 30)
	assert.Equal(t, append(repeat(http.StatusOK, 16), repeat(http.StatusForbidden, 14)...), codes)
	assert.Equal(t, 16, r.back.count("GET /users/{id} Bearer "+mallory), "the upstream never sees blocked requests")

	ds := r.guard.Decisions()
	require.Len(t, ds, 4, "blocked, then blocked again for walking on while blocked")
	assert.True(t, ds[0].Enforced)
	assert.Equal(t, "mallory", ds[0].Subject.Value)
	assert.Contains(t, ds[0].Reason, "read 16 distinct /users/{id} objects in 1.5s, sequential ids 1..16")
	assert.Equal(t, "mallory", ds[2].Subject.Value)
	assert.Contains(t, ds[2].Reason, "sequential ids 17..26, 100% denied or missing")
	assert.Equal(t, 1, ds[2].Level)

	code, hdr, body := r.do(t, "GET", "/users/1", mallory, "")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	var denied map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &denied))
	assert.Equal(t, "blocked by abusegate guard", denied["error"])
	assert.NotEmpty(t, denied["decision"])
	assert.Equal(t, denied["decision"], hdr.Get(DecisionHeader))

	logins := r.back.count("POST /login")
	code, hdr, _ = r.do(t, "POST", "/login", "", `{"username":"mallory","password":"pw"}`)
	assert.Equal(t, http.StatusForbidden, code, "a contained identity cannot log in for a fresh token")
	assert.Equal(t, ds[2].ID, hdr.Get(DecisionHeader), "the harshest live decision answers")
	assert.Equal(t, logins, r.back.count("POST /login"))

	code, _, _ = r.do(t, "GET", "/users/5", alice, "")
	assert.Equal(t, http.StatusOK, code, "other users still pass")
	bob := r.login(t, "bob")
	code, _, _ = r.do(t, "GET", "/users/6", bob, "")
	assert.Equal(t, http.StatusOK, code)
}

func TestEnforceBlockExpires(t *testing.T) {
	r := newRig(t, Enforce)
	mallory := r.login(t, "mallory")
	r.walk(t, mallory, 1, 20)
	code, _, _ := r.do(t, "GET", "/users/1", mallory, "")
	require.Equal(t, http.StatusForbidden, code)

	ds := r.guard.Decisions()
	require.NotEmpty(t, ds)
	r.clock.Advance(ds[0].Expires.Sub(ds[0].Time))
	code, _, _ = r.do(t, "GET", "/users/1", mallory, "")
	assert.Equal(t, http.StatusOK, code)
	r.login(t, "mallory")
}

// TestContinuedAbuseWhileBlockedEscalates: the requests the guard refuses
// reach the monitor too, so an identity that keeps walking while blocked
// is still blocked, for longer, when its first block ends; one that stops
// is let back in.
func TestContinuedAbuseWhileBlockedEscalates(t *testing.T) {
	tests := []struct {
		name      string
		keepGoing bool
		after     int // status after the first block's TTL
	}{
		{name: "keeps walking", keepGoing: true, after: http.StatusForbidden},
		{name: "stops", keepGoing: false, after: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, Enforce)
			mallory := r.login(t, "mallory")
			r.walk(t, mallory, 1, 16)
			ds := r.guard.Decisions()
			require.Len(t, ds, 2)
			first := ds[0]
			require.Equal(t, 0, first.Level)
			if tt.keepGoing {
				assert.Equal(t, repeat(http.StatusForbidden, 12), r.walk(t, mallory, 17, 28))
			}
			r.clock.Advance(first.Expires.Sub(r.clock.Now()))
			code, _, _ := r.do(t, "GET", "/users/1", mallory, "")
			assert.Equal(t, tt.after, code)
			if !tt.keepGoing {
				return
			}
			ds = r.guard.Decisions()
			require.Len(t, ds, 4)
			assert.Equal(t, 1, ds[2].Level)
			assert.Greater(t, ds[2].Expires.Sub(ds[2].Time), first.Expires.Sub(first.Time), "the repeat is contained longer")
			assert.Equal(t, 16, r.back.count("GET /users/{id} Bearer "+mallory), "the upstream never saw the walk while blocked")
		})
	}
}

func TestEnforceBlocksAnonymousAddress(t *testing.T) {
	r := newRig(t, Enforce)
	codes := r.walk(t, "", 1, 21)
	assert.Equal(t, http.StatusForbidden, codes[20])
	ds := r.guard.Decisions()
	require.Len(t, ds, 1)
	assert.Equal(t, scenarios.Subject{Kind: scenarios.SubjectAddress, Value: "127.0.0.1"}, ds[0].Subject)
}

func TestLoginLearnsIdentity(t *testing.T) {
	for _, field := range []string{"token", "access_token"} {
		t.Run(field, func(t *testing.T) {
			r := newRig(t, Observe)
			r.back.tokenField = field
			body := `{"username":"alice","password":"pw"}`
			code, _, resp := r.do(t, "POST", "/login", "", body)
			require.Equal(t, http.StatusOK, code)

			var out map[string]string
			require.NoError(t, json.Unmarshal([]byte(resp), &out))
			assert.Equal(t, "welcome", out["note"], "the login response passes through unchanged")
			tok := out[field]
			require.NotEmpty(t, tok)
			assert.Equal(t, "alice", r.mon.Identity(scenarios.TokenID(tok)))
			assert.Equal(t, []string{body}, r.back.bodies, "the login body reaches the upstream intact")
		})
	}
}

func TestLoginFailureLearnsNothing(t *testing.T) {
	r := newRig(t, Observe)
	code, _, _ := r.do(t, "POST", "/login", "", `not json`)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"not json"}, r.back.bodies)
	assert.Empty(t, r.mon.Identity(scenarios.TokenID("secret--1")))
}

func TestLargeLoginBodyPassesThrough(t *testing.T) {
	r := newRig(t, Enforce)
	body := `{"username":"alice","pad":"` + strings.Repeat("x", maxBody) + `"}`
	code, _, _ := r.do(t, "POST", "/login", "", body)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, r.back.bodies, 1)
	assert.Equal(t, body, r.back.bodies[0])
}

func TestHeadersAndBodiesPassThrough(t *testing.T) {
	for _, mode := range []Mode{Off, Observe, Enforce} {
		t.Run(mode.String(), func(t *testing.T) {
			r := newRig(t, mode)
			req, err := http.NewRequest("POST", r.front.URL+"/echo", strings.NewReader(`{"a":[1,2,3]}`))
			require.NoError(t, err)
			req.Header.Set("X-Custom", "kept")
			req.Header.Set("Content-Type", "application/vnd.test+json")
			resp, err := r.front.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusTeapot, resp.StatusCode)
			assert.Equal(t, "kept", resp.Header.Get("X-Echo-Custom"))
			assert.Equal(t, "application/vnd.test+json", resp.Header.Get("X-Echo-Content-Type"))
			assert.Equal(t, `{"a":[1,2,3]}`, string(got))
		})
	}
}

func TestUpstreamDown(t *testing.T) {
	back := newBackend(t)
	u, err := url.Parse(back.URL)
	require.NoError(t, err)
	back.Close()
	mon := monitor.New(shopSurface(), monitor.Config{})
	g, err := New(u, mon, Options{Mode: Enforce, Now: newFakeClock().Now})
	require.NoError(t, err)
	r := &rig{back: back, guard: g, mon: mon}
	r.front = newFront(t, g)
	code, _, body := r.do(t, "GET", "/users/1", "", "")
	assert.Equal(t, http.StatusBadGateway, code)
	assert.JSONEq(t, `{"error":"upstream unavailable"}`, body)
}

func TestNewRejectsBadOptions(t *testing.T) {
	u, err := url.Parse("http://127.0.0.1:1")
	require.NoError(t, err)
	mon := monitor.New(scenarios.Surface{}, monitor.Config{})
	tests := []struct {
		name     string
		upstream *url.URL
		mon      *monitor.Monitor
		mode     Mode
		wantErr  string
	}{
		{name: "nil upstream", mon: mon, mode: Enforce, wantErr: "want an absolute URL"},
		{name: "relative upstream", upstream: &url.URL{Path: "/x"}, mon: mon, mode: Enforce, wantErr: "want an absolute URL"},
		{name: "zero mode", upstream: u, mon: mon, wantErr: "invalid mode"},
		{name: "enforce without monitor", upstream: u, mode: Enforce, wantErr: "needs a monitor"},
		{name: "off without monitor", upstream: u, mode: Off},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.upstream, tt.mon, Options{Mode: tt.mode})
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "": "", "Bearer": ""}
	for in, want := range tests {
		h := http.Header{}
		h.Set("Authorization", in)
		assert.Equal(t, want, bearerToken(h), in)
	}
}

func TestClientAddr(t *testing.T) {
	assert.Equal(t, "10.1.2.3", clientAddr("10.1.2.3:5555"))
	assert.Equal(t, "::1", clientAddr("[::1]:80"))
	assert.Equal(t, "weird", clientAddr("weird"))
}

func TestDecisionsInTimeOrder(t *testing.T) {
	g, err := NewMiddleware(nil, Options{Mode: Off})
	require.NoError(t, err)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	g.decisions.add([]scenarios.Decision{{ID: "b", Time: t0.Add(time.Second)}})
	g.decisions.add([]scenarios.Decision{{ID: "a", Time: t0}})
	ds := g.Decisions()
	require.Len(t, ds, 2)
	assert.Equal(t, "a", ds[0].ID)
	ds[0].ID = "changed"
	assert.Equal(t, "a", g.Decisions()[0].ID, "Decisions returns a copy")
}
