package vu

import (
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestParsePool(t *testing.T) {
	tests := []struct {
		name, csv string
		kind      CredKind
		want      []Credential
		err       string
	}{
		{"passwords with a header row", "username,password\nalice,s3cret\n# a comment\n\nbob,\"pa,ss\"\n", Password,
			[]Credential{{Kind: Password, Username: "alice", Password: "s3cret", Source: "c.csv:2"}, {Kind: Password, Username: "bob", Password: "pa,ss", Source: "c.csv:5"}}, ""},
		{"api keys", "api_key\nk1\nk2\n", APIKey,
			[]Credential{{Kind: APIKey, APIKey: "k1", Source: "c.csv:2"}, {Kind: APIKey, APIKey: "k2", Source: "c.csv:3"}}, ""},
		{"bearer tokens, prefix tolerated", "Bearer abc\ndef\n", Bearer,
			[]Credential{{Kind: Bearer, Token: "abc", Source: "c.csv:1"}, {Kind: Bearer, Token: "def", Source: "c.csv:2"}}, ""},
		{"a missing password", "alice,x\nbob\n", Password, nil, "c.csv:2: 1 fields, want 2 (username,password)"},
		{"a bare quote", "alice,x\nbo\"b,y\n", Password, nil, "c.csv:2:3: bare \" in non-quoted-field"},
		{"an empty username", "alice,x\n,y\n", Password, nil, "c.csv:2: empty username"},
		{"nothing", "username,password\n", Password, nil, "c.csv: no credentials; want one username,password per line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePool("c.csv", strings.NewReader(tt.csv), tt.kind)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Creds)
		})
	}
}

func TestLoadPoolNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.csv")
	require.NoError(t, os.WriteFile(path, []byte("k1\nk2,extra\n"), 0o600))
	_, err := LoadPool(path, APIKey)
	require.ErrorContains(t, err, path+":2: 2 fields, want 1 (api_key)")
	_, err = LoadPool(filepath.Join(t.TempDir(), "absent.csv"), APIKey)
	require.ErrorContains(t, err, "absent.csv")
}

func FuzzParsePool(f *testing.F) {
	f.Add("username,password\nalice,x\n", 1)
	f.Add("\"a\nb\",c\n", 1)
	f.Add("tok\n", 3)
	f.Fuzz(func(t *testing.T, data string, kind int) {
		p, err := ParsePool("f.csv", strings.NewReader(data), CredKind(kind%4))
		if err == nil {
			require.NotEmpty(t, p.Creds)
		}
	})
}

// wire records what the target saw of each request, by correlation id.
type wire struct {
	mu   sync.Mutex
	seen map[string]*http.Request
}

func (w *wire) handler(extra func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		if w.seen == nil {
			w.seen = map[string]*http.Request{}
		}
		w.seen[r.Header.Get(scenarios.CorrelationHeader)] = r.Clone(r.Context())
		w.mu.Unlock()
		if extra != nil {
			extra(rw, r)
		}
	}
}

func (w *wire) get(ex scenarios.Exchange) *http.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[ex.CorrelationID]
}

func wireRun(t *testing.T, extra func(http.ResponseWriter, *http.Request), loads ...Workload) ([]scenarios.Exchange, *wire) {
	t.Helper()
	var w wire
	u := target(t, w.handler(extra))
	var rec Recorder
	require.NoError(t, (&Runner{Target: u, Clock: NewSimClock(epoch)}).Run(t.Context(), loads, &rec))
	return rec.Exchanges(), &w
}

func TestRotation(t *testing.T) {
	tokens := &Pool{Kind: Bearer}
	for _, tok := range []string{"t0", "t1", "t2", "t3"} {
		tokens.Creds = append(tokens.Creds, Credential{Kind: Bearer, Token: tok})
	}
	tests := []struct {
		name string
		rot  Rotation
		want map[int]string // per VU, its tokens in order
	}{
		{"per VU", Rotation{Mode: PerVU}, map[int]string{0: "t0 t0 t0 t0 t0 t0", 1: "t1 t1 t1 t1 t1 t1"}},
		{"per request", Rotation{Mode: PerRequest}, map[int]string{0: "t0 t2 t0 t2 t0 t2", 1: "t1 t3 t1 t3 t1 t3"}},
		{"per 3 requests", Rotation{Mode: PerRequests, Every: 3}, map[int]string{0: "t0 t0 t0 t2 t2 t2", 1: "t1 t1 t1 t3 t3 t3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := &Pool{Kind: Bearer, Creds: tokens.Creds}
			exs, w := wireRun(t, nil, Workload{Scenario: "stuff", Actor: scenarios.Attacker, Identities: pool, Rotation: tt.rot,
				Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 2, Iterations: 1},
				Program:  pacedProgram(6, time.Second)})
			got := map[int][]string{}
			for _, ex := range exs {
				tok := strings.TrimPrefix(w.get(ex).Header.Get("Authorization"), "Bearer ")
				got[ex.VU] = append(got[ex.VU], tok)
				assert.Equal(t, scenarios.TokenID(tok), ex.Identity, "the timeline names the token, never shows it")
			}
			for vu, want := range tt.want {
				assert.Equal(t, want, strings.Join(got[vu], " "), "VU %d", vu)
			}
		})
	}
}

func TestPasswordPlaceholdersAndAPIKeys(t *testing.T) {
	pw := &Pool{Kind: Password, Creds: []Credential{{Kind: Password, Username: "alice", Password: "pw1"}}}
	keys := &Pool{Kind: APIKey, Header: "X-Key", Creds: []Credential{{Kind: APIKey, APIKey: "k-9"}}}
	login := func(int) (scenarios.Program, error) {
		return NewChain(nil, Link{Request: scenarios.Request{Method: http.MethodPost, Path: "/login?u={{username}}",
			Body: []byte(`{"user":"{{username}}","password":"{{password}}"}`)}}), nil
	}
	var bodies sync.Map
	exs, w := wireRun(t, func(_ http.ResponseWriter, r *http.Request) {
		b := make([]byte, 100)
		n, _ := r.Body.Read(b)
		bodies.Store(r.Header.Get(scenarios.CorrelationHeader), string(b[:n]))
	},
		Workload{Scenario: "pw", VUs: 1, Duration: time.Minute, Identities: pw, Program: login},
		Workload{Scenario: "key", VUs: 1, Duration: time.Minute, Identities: keys, Program: pacedProgram(1, 0)})
	require.Len(t, exs, 2)
	for _, ex := range exs {
		r := w.get(ex)
		switch ex.Scenario {
		case "pw":
			assert.Equal(t, "alice", r.URL.Query().Get("u"))
			body, _ := bodies.Load(ex.CorrelationID)
			assert.Equal(t, `{"user":"alice","password":"pw1"}`, body)
			assert.Equal(t, "alice", ex.Identity)
		case "key":
			assert.Equal(t, "k-9", r.Header.Get("X-Key"))
			assert.NotContains(t, ex.Identity, "k-9")
		}
	}
}

func TestEachIdentityGetsItsOwnSourceAddress(t *testing.T) {
	pool := &Pool{Kind: Password}
	for _, u := range []string{"a", "b", "c"} {
		pool.Creds = append(pool.Creds, Credential{Kind: Password, Username: u, Password: "x"})
	}
	exs, w := wireRun(t, nil,
		Workload{Scenario: "crowd", VUs: 3, Duration: time.Minute, Identities: pool, Disguise: Disguise{Sources: true}, Program: pacedProgram(2, time.Second)},
		Workload{Scenario: "solo", VUs: 2, Duration: time.Minute, Disguise: Disguise{Sources: true}, Program: pacedProgram(2, time.Second)},
		Workload{Scenario: "plain", VUs: 1, Duration: time.Minute, Program: pacedProgram(1, 0)},
	)
	peers := map[string]string{} // peer host -> identity
	for _, ex := range exs {
		host, _, err := net.SplitHostPort(w.get(ex).RemoteAddr)
		require.NoError(t, err)
		assert.Equal(t, host, ex.Addr, "the timeline records the address the target saw")
		who := ex.Scenario + "/" + ex.Identity
		if ex.Identity == "" {
			who = ex.Scenario + "/vu" + string(rune('0'+ex.VU))
		}
		if prev, ok := peers[host]; ok {
			assert.Equal(t, prev, who, "peer %s shared", host)
		}
		peers[host] = who
	}
	assert.Len(t, peers, 6, "3 identities + 2 VUs with their own peers + the default 127.0.0.1: %v", peers)
	assert.Equal(t, "plain/vu0", peers["127.0.0.1"])
	assert.Equal(t, "crowd/a", peers["127.0.0.2"])
	assert.Equal(t, "solo/vu1", peers["127.0.0.6"])
}

func TestCookieJarPerSession(t *testing.T) {
	var mu sync.Mutex
	n := 0
	exs, w := wireRun(t, func(rw http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("sid"); err != nil {
			mu.Lock()
			n++
			http.SetCookie(rw, &http.Cookie{Name: "sid", Value: string(rune('a' + n))})
			mu.Unlock()
		}
	}, Workload{Scenario: "c", Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 2, Iterations: 2},
		Program: pacedProgram(2, time.Second)})
	got := map[[2]int][]string{}
	for _, ex := range exs {
		c, err := w.get(ex).Cookie("sid")
		v := "-"
		if err == nil {
			v = c.Value
		}
		got[[2]int{ex.VU, ex.Iteration}] = append(got[[2]int{ex.VU, ex.Iteration}], v)
	}
	sids := map[string]bool{}
	for k, v := range got {
		require.Len(t, v, 2, "%v", k)
		assert.Equal(t, "-", v[0], "a new session starts without cookies: %v", k)
		assert.NotEqual(t, "-", v[1], "the session keeps its cookie: %v", k)
		assert.False(t, sids[v[1]], "sessions never share a jar")
		sids[v[1]] = true
	}
	assert.Len(t, got, 4)
}

func TestDevicesAndForwardedHeaders(t *testing.T) {
	devices := DefaultDevices()
	geo := Geo{Country: "DE", AcceptLanguage: "de-DE,de;q=0.9", Prefix: netipPrefix(t, "198.51.100.0/24")}
	exs, w := wireRun(t, nil,
		Workload{Scenario: "disguised", VUs: 4, Duration: time.Minute, Program: pacedProgram(1, 0),
			Disguise: Disguise{Devices: devices, Geos: []Geo{geo}, Forwarded: true}},
		Workload{Scenario: "honest", VUs: 1, Duration: time.Minute, Program: pacedProgram(1, 0),
			Disguise: Disguise{Devices: devices, Geos: []Geo{geo}}})
	require.Len(t, exs, 5)
	for _, ex := range exs {
		r := w.get(ex)
		require.NotEmpty(t, ex.Fingerprint)
		assert.True(t, strings.HasPrefix(r.UserAgent(), "Mozilla/5.0"), r.UserAgent())
		assert.True(t, strings.HasSuffix(r.UserAgent(), " ag/"+ex.CorrelationID))
		assert.Equal(t, "de-DE,de;q=0.9", r.Header.Get("Accept-Language"))
		xff := r.Header.Get("X-Forwarded-For")
		if ex.Scenario == "honest" {
			assert.Empty(t, xff, "forwarding headers only when opted in")
			assert.Empty(t, r.Header.Get("Forwarded"))
			continue
		}
		assert.True(t, strings.HasPrefix(xff, "198.51.100."), xff)
		assert.Equal(t, "for="+xff, r.Header.Get("Forwarded"))
	}
}

func netipPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(s)
	require.NoError(t, err)
	return p
}
