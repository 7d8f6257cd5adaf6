package guard

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

func passiveGuard(t testing.TB) *Guard {
	t.Helper()
	g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: Observe, Surface: shopSurface()})
	require.NoError(t, err)
	return g
}

// runLog feeds a testdata access log through a passive guard and returns
// its decisions as "subject detector action" and the stats.
func runLog(t *testing.T, name string) ([]string, PassiveStats, []*LineError) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "accesslog", name))
	require.NoError(t, err)
	defer f.Close()
	g := passiveGuard(t)
	var got []string
	var skipped []*LineError
	st, err := g.Passive(context.Background(), f, PassiveOptions{Name: name,
		OnDecision: func(d scenarios.Decision) {
			assert.False(t, d.Enforced, "passive decisions are never enforced")
			got = append(got, d.Subject.String()+" "+d.Detector+" "+d.Action.String())
		},
		OnSkip: func(e *LineError) { skipped = append(skipped, e) },
	})
	require.NoError(t, err)
	assert.Len(t, g.Decisions(), len(got), "decisions are recorded for the admin API too")
	return got, st, skipped
}

// TestPassiveNginxLog replays lines written by a real nginx (a JSON
// log_format of nginx variables, proxying to a stub): a token walking
// /users/1..20 and one client trying 11 usernames at /login.
func TestPassiveNginxLog(t *testing.T) {
	got, st, skipped := runLog(t, "nginx.log")
	assert.Empty(t, skipped)
	assert.Equal(t, PassiveStats{Lines: 32, Events: 32, Decisions: 3}, st)
	walker := "token:" + scenarios.TokenID("walker-token-1")
	assert.Equal(t, []string{
		walker + " enumeration block",
		"address:127.0.0.1 stuffing block",
		"fingerprint:" + fingerprint(map[string][]string{"User-Agent": {"stuffer/1.0"}, "Accept-Language": {"en"}}) + " stuffing block",
	}, got)
}

// TestPassiveEnvoyLog replays Envoy lines in Istio's documented JSON
// format (plus the Authorization header): an identity, named by its JWT,
// walking other users' records from changing ports; a user reading her
// own profile is left alone.
func TestPassiveEnvoyLog(t *testing.T) {
	got, st, skipped := runLog(t, "envoy.log")
	assert.Empty(t, skipped)
	assert.Equal(t, 28, st.Events)
	require.Len(t, got, 2)
	assert.Equal(t, "identity:mallory enumeration block", got[0])
	assert.True(t, strings.HasPrefix(got[1], "token:tok-"), got[1])
}

func TestPassiveSkipsMalformedLines(t *testing.T) {
	good := `{"msec":"1735732800.000","remote_addr":"10.0.0.1","request_method":"GET","request_uri":"/users/me","status":200}`
	tests := []struct {
		name, line, err string
	}{
		{name: "truncated JSON", line: `{"msec":"1735732800.000","remote_addr":`, err: "not a JSON object"},
		{name: "not an object", line: `["GET","/x"]`, err: "not a JSON object"},
		{name: "two values", line: good + ` {}`, err: "more than one JSON value"},
		{name: "no time", line: `{"request_method":"GET","request_uri":"/","status":200}`, err: "no request time"},
		{name: "bad time", line: `{"time_iso8601":"yesterday","request_method":"GET","request_uri":"/","status":200}`, err: `time_iso8601 "yesterday"`},
		{name: "no status", line: `{"msec":"1735732800.5","request_method":"GET","request_uri":"/"}`, err: "no HTTP status"},
		{name: "status out of range", line: `{"msec":"1735732800.5","request_method":"GET","request_uri":"/","status":42}`, err: "no HTTP status"},
		{name: "no path", line: `{"msec":"1735732800.5","request_method":"GET","status":200}`, err: "no request method and path"},
		{name: "absolute URL path", line: `{"msec":"1735732800.5","method":"GET","path":"http//x","response_code":200}`, err: `request path "http//x" is not an origin-form path`},
		{name: "too long", line: `{"msec":"` + strings.Repeat("9", maxLogLine) + `"}`, err: "line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var skipped []*LineError
			g := passiveGuard(t)
			in := good + "\n" + tt.line + "\n\n" + good + "\n"
			st, err := g.Passive(context.Background(), strings.NewReader(in), PassiveOptions{Name: "access.log",
				OnSkip: func(e *LineError) { skipped = append(skipped, e) }})
			require.NoError(t, err)
			assert.Equal(t, PassiveStats{Lines: 4, Events: 2, Skipped: 1}, st)
			require.Len(t, skipped, 1)
			assert.Equal(t, 2, skipped[0].Line)
			assert.Contains(t, skipped[0].Error(), "access.log:2: "+tt.err)
		})
	}
}

func TestParseLogLineFields(t *testing.T) {
	rec, err := parseLogLine([]byte(`{"$time_local":"01/Jan/2025:12:00:00 +0000","remote_addr":"10.0.0.7",` +
		`"request":"POST /login?next=%2F HTTP/1.1","status":"401","body_bytes_sent":"-","request_time":"0.250",` +
		`"http_x_api_key":"k-1","remote_user":"-","request_body":"{\"username\":\"bob\"}"}`))
	require.NoError(t, err)
	assert.Equal(t, "2025-01-01T12:00:00Z", rec.at.UTC().Format("2006-01-02T15:04:05Z07:00"))
	assert.Equal(t, "POST", rec.req.Method)
	assert.Equal(t, "/login", rec.req.URL.Path)
	assert.Equal(t, "/login?next=%2F", rec.req.RequestURI)
	assert.Equal(t, 401, rec.status)
	assert.Equal(t, int64(0), rec.bytes)
	assert.Equal(t, "250ms", rec.latency.String())
	assert.Equal(t, "k-1", rec.req.Header.Get("X-Api-Key"))
	assert.Equal(t, "10.0.0.7", rec.req.RemoteAddr)
	assert.Empty(t, rec.user, `"-" is absent`)
	assert.Equal(t, int64(len(`{"username":"bob"}`)), rec.req.ContentLength)
}

func TestPassiveIsDetectOnly(t *testing.T) {
	g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: Enforce})
	require.NoError(t, err)
	_, err = g.Passive(context.Background(), strings.NewReader(""), PassiveOptions{})
	assert.ErrorContains(t, err, "detect-only")
}

func TestPassiveStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := passiveGuard(t).Passive(ctx, strings.NewReader("{}\n"), PassiveOptions{})
	assert.ErrorIs(t, err, context.Canceled)
}

func FuzzParseLogLine(f *testing.F) {
	for _, name := range []string{"nginx.log", "envoy.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", "accesslog", name))
		require.NoError(f, err)
		for _, l := range strings.SplitN(string(b), "\n", 4)[:3] {
			f.Add([]byte(l))
		}
	}
	f.Add([]byte(`{"request":"GET"}`))
	f.Add([]byte(`{"msec":1e400,"status":1e3}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := parseLogLine(line)
		if err != nil {
			return
		}
		require.NotNil(t, rec.req)
		require.True(t, rec.status >= 100 && rec.status <= 999)
		require.NotEmpty(t, rec.req.Method)
		require.NotEmpty(t, rec.req.URL.Path)
		g := passiveGuard(t)
		_, perr := g.passiveLine(context.Background(), line, nil)
		require.NoError(t, perr)
	})
}
