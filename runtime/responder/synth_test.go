package responder_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/scenarios"
)

// maxAnswer bounds any answer: a page of at most 50,000 JSON values in its
// items and as many around them,
// strings of at most 48 bytes.
const maxAnswer = 8 << 20

// Every operation of every public OpenAPI spec answers: no panic, JSON,
// bounded in size, and the same bytes for the same seed (stripe's
// recursive, expandable schemas are cut at the adapter's depth).
func TestEveryPublicSpecAnswers(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "specs", "openapi")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public specs missing in CI: %v", err)
		}
		t.Skipf("public specs not here (../shared/specs is laid beside the repository): %v", err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			s := publicSpec(t, e.Name())
			a := httptest.NewServer(responder.New(s, responder.Options{Seed: 9}))
			defer a.Close()
			b := httptest.NewServer(responder.New(s, responder.Options{Seed: 9}))
			defer b.Close()
			for _, op := range s.Operations {
				path := fillPath(op.Path) + "?limit=1000000&page=2"
				ga, ca := raw(t, a, op.Method, path)
				gb, cb := raw(t, b, op.Method, path)
				require.Equal(t, ca, cb, op.Key())
				require.Equal(t, string(ga), string(gb), "%s: same seed, same answer", op.Key())
				assert.LessOrEqual(t, len(ga), maxAnswer, op.Key())
				if ca != http.StatusNoContent {
					assert.True(t, json.Valid(ga), "%s answers JSON: %.200s", op.Key(), ga)
				}
			}
		})
	}
}

func fillPath(tmpl string) string {
	var b strings.Builder
	for {
		open, end := strings.IndexByte(tmpl, '{'), strings.IndexByte(tmpl, '}')
		if open < 0 || end < open {
			return b.String() + tmpl
		}
		b.WriteString(tmpl[:open] + "7")
		tmpl = tmpl[end+1:]
	}
}

func raw(t *testing.T, srv *httptest.Server, method, path string) ([]byte, int) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"username":"u","password":"p","code":"X1"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return data, res.StatusCode
}

// Shapes the adapter never makes still synthesize within bounds: a
// self-containing shape, absurd bounds, an array of arrays of objects.
func TestSynthesisBounds(t *testing.T) {
	self := &scenarios.Shape{Type: "object"}
	self.Properties = []scenarios.Property{{Name: "child", Shape: self}, {Name: "kids", Shape: &scenarios.Shape{Type: "array", Items: self, MinItems: 1 << 16}}}
	wide := &scenarios.Shape{Type: "object"}
	for i := range 200 {
		wide.Properties = append(wide.Properties, scenarios.Property{Name: strings.Repeat("f", i+1), Shape: &scenarios.Shape{Type: "array", MinItems: 1000, Items: &scenarios.Shape{Type: "string", MinLength: 1 << 16}}})
	}
	cases := map[string]*scenarios.Shape{
		"recursive":   self,
		"wide":        wide,
		"huge bounds": {Type: "integer", HasMinimum: true, Minimum: -1e300, HasMaximum: true, Maximum: 1e300},
		"inverted":    {Type: "number", HasMinimum: true, Minimum: 10, HasMaximum: true, Maximum: -10},
		"bad example": {Type: "object", Example: []byte("{not json")},
		"page of it":  {Type: "array", Items: self},
	}
	for name, sh := range cases {
		t.Run(name, func(t *testing.T) {
			s := scenarios.Surface{Operations: []scenarios.Operation{{
				ID: "x", Method: http.MethodGet, Path: "/things", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCollection}},
				Replies: &scenarios.Replies{Success: "200", Answers: []scenarios.Answer{{Code: "200", ContentType: "application/json", Shape: sh}}},
			}}}
			srv := httptest.NewServer(responder.New(s, responder.Options{Seed: 1}))
			defer srv.Close()
			body, code := raw(t, srv, http.MethodGet, "/things?limit=1000")
			require.Equal(t, http.StatusOK, code)
			assert.LessOrEqual(t, len(body), maxAnswer)
			assert.True(t, json.Valid(body))
		})
	}
}
