package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// shopSpec is the slice of a shop the access-log tests exercise: a login
// and an object read.
const shopSpec = `openapi: 3.0.3
info: {title: shop, version: "1"}
paths:
  /login:
    post:
      operationId: login
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {username: {type: string}, password: {type: string, format: password}}
      responses: {"200": {description: ok}, "401": {description: bad credentials}}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`

func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shop.yaml")
	require.NoError(t, os.WriteFile(p, []byte(shopSpec), 0o600))
	return p
}

// TestMonitorCommandNginxLog reads lines a real nginx wrote (see
// runtime/guard/testdata/accesslog) and prints the decisions as JSON lines.
func TestMonitorCommandNginxLog(t *testing.T) {
	log := filepath.Join("..", "..", "runtime", "guard", "testdata", "accesslog", "nginx.log")
	code, out, stderr := cli(t, "monitor", "--access-log", log, "--spec", writeSpec(t))
	require.Equal(t, exitOK, code, stderr)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d scenarios.Decision
		require.NoError(t, json.Unmarshal([]byte(line), &d), line)
		assert.False(t, d.Enforced)
		got = append(got, d.Subject.Kind.String()+" "+d.Detector)
	}
	assert.Contains(t, got, "token enumeration", "the token walking /users/1..20")
	assert.Contains(t, got, "address stuffing", "the client trying 11 usernames")
	assert.Contains(t, stderr, "32 lines, 32 requests scored, 0 skipped")
}

func TestMonitorCommandStdinSkipsMalformedLines(t *testing.T) {
	in := `{"msec":"1735732800.000","remote_addr":"10.0.0.1","request_method":"GET","request_uri":"/users/1","status":200}
{"msec":"1735732800.100","remote_addr":
{"method":"GET","path":"/users/2","response_code":200}
{"start_time":"2025-01-01T12:00:00.200Z","method":"GET","path":"/users/3","response_code":200}
`
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"monitor", "--access-log", "-", "--spec", writeSpec(t)},
		stdio{in: strings.NewReader(in), out: &out, err: &errOut})
	require.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "skipped stdin:2: not a JSON object")
	assert.Contains(t, errOut.String(), "skipped stdin:3: no request time")
	assert.Contains(t, errOut.String(), "4 lines, 2 requests scored, 2 skipped, 0 decisions")
	assert.Empty(t, out.String())
}

func TestMonitorCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no log", []string{"monitor"}, "--access-log"},
		{"missing file", []string{"monitor", "--access-log", filepath.Join(t.TempDir(), "nope.log")}, "no such file"},
		{"public admin without token", []string{"monitor", "--access-log", "-", "--admin", "0.0.0.0:9090", "--admin-token", ""}, "set --admin-token"},
		{"bad cidr", []string{"monitor", "--access-log", "-", "--trusted-proxy", "nope"}, "--trusted-proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

// The passive monitor takes the same specs as the guard: a GraphQL schema
// loads (its REST-shaped log lines then match no route), a broken one is
// named with its position, and stdin cannot feed both the log and the spec.
func TestMonitorCommandSpecs(t *testing.T) {
	log := filepath.Join("..", "..", "runtime", "guard", "testdata", "accesslog", "nginx.log")
	bad := filepath.Join(t.TempDir(), "bad.graphql")
	require.NoError(t, os.WriteFile(bad, []byte("type Query {\n  user(id: ID!): User\n"), 0o600))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"graphql schema", []string{"--access-log", log, "--spec", filepath.Join("..", "..", "internal", "demoshop", "schema.graphql")}, exitOK, ""},
		{"broken schema", []string{"--access-log", log, "--spec", bad}, exitUsage, "bad.graphql:3"},
		{"stdin twice", []string{"--access-log", "-", "--spec", "-"}, exitUsage, "both read stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"monitor"}, tt.args...)...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}
