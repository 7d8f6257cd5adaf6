package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoSpec is a frozen copy of the demoshop's first spec, so these tests
// pin the CLI, not the shop's evolving API.
var demoSpec = filepath.Join("testdata", "shop.openapi.yaml")

// cliIn runs the CLI with the given standard input.
func cliIn(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, stdio{in: bytes.NewReader(stdin), out: &out, err: &errOut})
	return code, out.String(), errOut.String()
}

func TestInspectTable(t *testing.T) {
	code, out, errOut := cli(t, "inspect", demoSpec)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Demo Shop API 1.0.0 (openapi 3.0.3)")
	assert.Contains(t, out, "auth: bearerAuth bearer")
	assert.Regexp(t, `GET /users/\{id\}\s+yes\s+medium\s+object-read 0.90\s+id \(integer, predictable\)`, out)
	assert.Regexp(t, `GET /products\s+no\s+low\s+collection 0.90\s+-\s+page, limit unbounded`, out)
	assert.Regexp(t, `POST /login\s+no\s+high\s+login 0.95`, out)
}

func TestInspectJSON(t *testing.T) {
	code, out, errOut := cli(t, "inspect", "--format", "json", demoSpec)
	require.Equal(t, exitOK, code, errOut)
	var doc struct {
		Surface struct {
			Operations []struct {
				Method, Path string
				Roles        []struct{ Role string }
				Loc          struct{ Line int }
			}
		} `json:"surface"`
		Warnings []string `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Surface.Operations, 9)
	for _, o := range doc.Surface.Operations {
		assert.Positive(t, o.Loc.Line, o.Path)
	}
	assert.NotNil(t, doc.Warnings)
}

func TestInspectSources(t *testing.T) {
	spec, err := os.ReadFile(demoSpec)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(spec)
	}))
	defer srv.Close()

	t.Run("stdin", func(t *testing.T) {
		code, out, errOut := cliIn(t, spec, "inspect", "-")
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "from <stdin>: 9 operations")
	})
	t.Run("loopback url", func(t *testing.T) {
		code, out, errOut := cli(t, "inspect", srv.URL+"/openapi.yaml")
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "9 operations")
	})
	t.Run("host not allowed", func(t *testing.T) {
		code, _, errOut := cli(t, "inspect", "http://api.example.com/openapi.yaml")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, `host "api.example.com" is not allowed`)
		assert.Contains(t, errOut, "--allow-host")
	})
}

func TestInspectBadSpec(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a: {get: [\n"), 0o600))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"malformed", []string{"inspect", bad}, []string{bad + ":", "not valid YAML or JSON"}},
		{"missing", []string{"inspect", filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml", "no such file"}},
		{"bad format", []string{"inspect", "--format", "xml", demoSpec}, []string{`--format "xml"`}},
		{"lint malformed", []string{"lint", bad}, []string{bad + ":"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			for _, w := range tt.want {
				assert.Contains(t, errOut, w)
			}
		})
	}
}
