package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
)

// startGuard runs `abusegate guard` in process and returns the proxy and
// admin URLs it announced, and a stop function returning its exit code.
func startGuard(t *testing.T, args ...string) (proxy, admin string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"guard"}, args...), stdio{in: bytes.NewReader(nil), out: io.Discard, err: pw})
		pw.Close()
	}()
	announce := regexp.MustCompile(`^abusegate guard: (http://\S+) -> .* admin (http://\S+)$`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := announce.FindStringSubmatch(sc.Text()); m != nil {
			proxy, admin = m[1], m[2]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NotEmpty(t, proxy, "the guard announced its addresses")
	return proxy, admin, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("guard did not stop")
			return -1
		}
	}
}

func TestGuardCommandContains(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	defer upstream.Close()
	spec := filepath.Join(t.TempDir(), "api.yaml")
	require.NoError(t, os.WriteFile(spec, []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`), 0o600))
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`version: 1
detectors:
  enumeration: {window: 1m, distinct: 5, suspicious: 5}
rules:
  - {name: block, action: block, ttl: 1m}
`), 0o600))
	proxy, admin, stop := startGuard(t, "--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
		"--spec", spec, "--policy", policy)
	var codes []int
	for i := range 8 {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/users/%d", proxy, i), nil)
		req.Header.Set("Authorization", "Bearer walker")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	assert.Equal(t, []int{200, 200, 200, 200, 200, 403, 403, 403}, codes)
	resp, err := http.Get(admin + "/decisions")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"Detector":"enumeration"`)
	assert.Equal(t, exitOK, stop())
}

func TestGuardCommandErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\nrules:\n  - {name: x, action: smite, ttl: 1m}\n"), 0o600))
	badSDL := filepath.Join(t.TempDir(), "bad.graphql")
	require.NoError(t, os.WriteFile(badSDL, []byte("type Query {\n  user(id: ID!: User\n}\n"), 0o600))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no upstream", []string{"guard"}, "--upstream"},
		{"bad mode", []string{"guard", "--upstream", "http://127.0.0.1:1", "--mode", "maybe"}, `unknown mode "maybe"`},
		{"bad policy", []string{"guard", "--upstream", "http://127.0.0.1:1", "--policy", bad}, "bad.yaml:3:23: rules[0].action"},
		{"public admin without token", []string{"guard", "--upstream", "http://127.0.0.1:1", "--admin", "0.0.0.0:9090", "--admin-token", ""}, "set --admin-token"},
		{"bad cidr", []string{"guard", "--upstream", "http://127.0.0.1:1", "--trusted-proxy", "10.0.0.0/99"}, "--trusted-proxy"},
		{"bad graphql spec", []string{"guard", "--upstream", "http://127.0.0.1:1", "--spec", badSDL}, "bad.graphql:2:15: Expected Name"},
		{"bad seed", []string{"guard", "--upstream", "http://127.0.0.1:1", "--seed", "-1"}, "--seed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestGuardPrintPolicy(t *testing.T) {
	code, out, _ := cli(t, "guard", "--print-policy")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "rules:")
}

// walkPolicy blocks an identity (and its token) at its 5th distinct read.
func walkPolicy(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(p, []byte(`version: 1
detectors:
  enumeration: {window: 1m, distinct: 5, suspicious: 5}
rules:
  - {name: block, action: block, ttl: 1m, subjects: [identity, token]}
`), 0o600))
	return p
}

// gqlPost sends a GraphQL query (with variables) to the guard at proxy
// and returns the status and the decoded answer.
func gqlPost(t *testing.T, proxy, token, query string, vars map[string]any) (int, map[string]json.RawMessage) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest("POST", proxy+"/graphql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var a struct{ Data map[string]json.RawMessage }
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, &a), "%s", raw)
	return resp.StatusCode, a.Data
}

// The guard reads a GraphQL schema as its spec: it knows the login
// mutation (and learns the token it returns) and the user field's id, so a
// walk over user(id:) as one account is contained like a REST one. With
// no spec the same walk passes, so the schema is what contains it.
func TestGuardCommandGraphQLSpec(t *testing.T) {
	shop := demoshop.New(demoshop.Options{Seed: 1})
	upstream := httptest.NewServer(shop)
	defer upstream.Close()
	ann := shop.Accounts()[0]
	tests := []struct {
		name string
		spec []string
		want []int
	}{
		{"sdl", []string{"--spec", filepath.Join("..", "..", "internal", "demoshop", "schema.graphql")}, []int{200, 200, 200, 200, 200, 403, 403, 403}},
		{"no spec", nil, []int{200, 200, 200, 200, 200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
				"--policy", walkPolicy(t), "--seed", "42"}, tt.spec...)
			proxy, admin, stop := startGuard(t, args...)
			code, data := gqlPost(t, proxy, "", `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
				map[string]any{"u": ann.Username, "p": ann.Password})
			require.Equal(t, http.StatusOK, code)
			var login struct{ Token string }
			require.NoError(t, json.Unmarshal(data["login"], &login))
			require.NotEmpty(t, login.Token)
			var codes []int
			for id := 2; id < 10; id++ {
				code, _ := gqlPost(t, proxy, login.Token, `query($id: ID!) { user(id: $id) { email } }`, map[string]any{"id": id})
				codes = append(codes, code)
			}
			assert.Equal(t, tt.want, codes)
			if tt.spec != nil {
				decisions := adminGet(t, admin+"/decisions")
				assert.Contains(t, decisions, `"Detector":"enumeration"`)
				assert.Contains(t, decisions, `"Value":"`+ann.Username+`"`, "scored as the account the login mutation named")
			}
			assert.Equal(t, exitOK, stop())
		})
	}
}

func adminGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

func TestMonitorSeed(t *testing.T) {
	s, err := monitorSeed(42)
	require.NoError(t, err)
	assert.Equal(t, uint64(42), s, "--seed is kept")
	a, err := monitorSeed(0)
	require.NoError(t, err)
	b, err := monitorSeed(0)
	require.NoError(t, err)
	assert.NotZero(t, a, "0 would be the monitor's fixed built-in seed")
	assert.NotEqual(t, a, b, "a fresh random seed per process")
}

// Two guard commands on one Redis: a walk contained through A is denied
// by B at its next request, and B's /metrics shows the replica share
// (on by default with --redis).
func TestGuardCommandRedisReplicas(t *testing.T) {
	const addr = "127.0.0.1:6379"
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s unreachable under CI=true (.ci/run must start it): %v", addr, err)
		}
		t.Skipf("Redis at %s unreachable, skipping (start redis-server to run this test): %v", addr, err)
	} else {
		c.Close()
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	defer upstream.Close()
	spec := filepath.Join("testdata", "shop.openapi.yaml")
	prefix := fmt.Sprintf("abusegate-test:%s:%d:", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() { // the replicas' stream never expires
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		ctx := context.Background()
		for iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator(); iter.Next(ctx); {
			rdb.Del(ctx, iter.Val())
		}
	})
	args := []string{"--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
		"--spec", spec, "--policy", walkPolicy(t), "--redis", addr, "--redis-prefix", prefix}
	proxyA, _, stopA := startGuard(t, args...)
	proxyB, adminB, stopB := startGuard(t, args...)
	get := func(proxy string, id int) int {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/users/%d", proxy, id), nil)
		req.Header.Set("Authorization", "Bearer walker")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	var codes []int
	for id := 1; id <= 6; id++ {
		codes = append(codes, get(proxyA, id))
	}
	assert.Equal(t, []int{200, 200, 200, 200, 200, 403}, codes, "A contains the walk")
	assert.Equal(t, http.StatusForbidden, get(proxyB, 7), "B denies its next request")
	assert.Contains(t, adminGet(t, adminB+"/metrics"), "abusegate_guard_share_records_total")
	assert.Equal(t, exitOK, stopA())
	assert.Equal(t, exitOK, stopB())
}

// An introspection result is a spec too: the guard resolves a GraphQL
// request's fields against it (counted as resolved in /metrics).
func TestGuardCommandIntrospectionSpec(t *testing.T) {
	spec := filepath.Join(sharedSpecs(t), "graphql", "shopify-storefront.introspection.json")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"shop":{"name":"s"}}}`)
	}))
	defer upstream.Close()
	proxy, admin, stop := startGuard(t, "--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--spec", spec)
	code, data := gqlPost(t, proxy, "", `query { shop { name } }`, nil)
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"name":"s"}`, string(data["shop"]))
	assert.Contains(t, adminGet(t, admin+"/metrics"), `abusegate_guard_graphql_requests_total{outcome="resolved"} 1`)
	assert.Equal(t, exitOK, stop())
}

func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 1600},         // before the first collection
		{512 << 10, 1600}, // capped
		{2 << 20, 800},    // a fresh guard: goal 18 MB
		{16 << 20, 100},   // headroom reached: the default
		{400 << 20, 100},  // never below the default
	} {
		assert.Equal(t, tc.want, gcPercent(tc.live, 16<<20), "live %d", tc.live)
	}
}
