package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
