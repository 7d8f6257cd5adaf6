package openapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func op(t *testing.T, s scenarios.Surface, key string) scenarios.Operation {
	t.Helper()
	for _, o := range s.Operations {
		if o.Key() == key {
			return o
		}
	}
	require.Failf(t, "operation not found", "%s not in surface", key)
	return scenarios.Operation{}
}

func TestXAbuseOverrides(t *testing.T) {
	s, warns, err := LoadFile(filepath.Join("testdata", "xabuse.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "openapi 3.1.0", s.Format)

	apply := op(t, s, "POST /cart/discount-codes")
	require.Len(t, apply.Roles, 1)
	assert.Equal(t, scenarios.RoleCoupon, apply.Roles[0].Role)
	assert.Equal(t, 1.0, apply.Roles[0].Confidence)
	assert.Contains(t, apply.Roles[0].Evidence, "x-abuse at testdata/xabuse.yaml:12:")
	assert.Equal(t, scenarios.SensitivityHigh, apply.Sensitivity)
	assert.Equal(t, scenarios.Rules{OneCouponPerOrder: true, RequiresPrevious: []string{"POST /cart/items"}, RateLimit: "10/minute"}, apply.Rules)
	promo, ok := apply.Param(scenarios.InBody, "promo")
	require.True(t, ok)
	assert.Equal(t, scenarios.ParamCoupon, promo.Role)

	orders := op(t, s, "GET /orders")
	require.NotNil(t, orders.Pagination)
	assert.Equal(t, scenarios.Pagination{Style: scenarios.PageCursor, SizeParam: "limit", MaxSize: 50}, *orders.Pagination)

	ref := op(t, s, "GET /orders/{ref}")
	id, ok := ref.ObjectID()
	require.True(t, ok)
	assert.Equal(t, scenarios.IDInteger, id.IDKind)

	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, `unknown field "rolez"`)
	assert.Contains(t, all, `unknown role "wizard"`)
	assert.Contains(t, all, `sensitivity "extreme"`)
	assert.Contains(t, all, `rate-limit "lots"`)
	assert.Contains(t, all, `requires "nothing"`)
	for _, w := range warns {
		if strings.Contains(w.Message, "x-abuse") {
			assert.Positive(t, w.Loc.Line, "x-abuse warning without a line: %s", w)
		}
	}
}

func TestRelativeRefs(t *testing.T) {
	s, _, err := LoadFile(filepath.Join("testdata", "refs", "main.yaml"))
	require.NoError(t, err)
	o := op(t, s, "GET /users/{id}")
	id, ok := o.ObjectID()
	require.True(t, ok)
	assert.Equal(t, scenarios.IDInteger, id.IDKind)
	assert.Equal(t, filepath.Join("testdata", "refs", "components.yaml"), id.Loc.File, "a $ref'd parameter is located in its own file")
	assert.Positive(t, id.Loc.Line)
	assert.Equal(t, []string{"addresses", "addresses[].city", "email", "id"}, o.ResponseFields)
}

func TestRemoteRefs(t *testing.T) {
	components, err := os.ReadFile(filepath.Join("testdata", "refs", "components.yaml"))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(components) }))
	defer srv.Close()
	spec := []byte(strings.ReplaceAll(mustRead(t, filepath.Join("testdata", "refs", "main.yaml")), "components.yaml#", srv.URL+"/components.yaml#"))

	_, _, err = Options{}.Load(context.Background(), "remote.yaml", spec)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "remote $ref")
	assert.Contains(t, err.Error(), "--allow-remote-refs")

	s, _, err := Options{RemoteRefs: true}.Load(context.Background(), "remote.yaml", spec)
	require.NoError(t, err, "loopback hosts are allowed once remote refs are")
	assert.Len(t, s.Operations, 1)

	_, _, err = Options{RemoteRefs: true}.Load(context.Background(), "remote.yaml",
		[]byte(strings.ReplaceAll(string(spec), "127.0.0.1", "api.example.com")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not allowed")
}

func TestReadFromURL(t *testing.T) {
	main := mustRead(t, filepath.Join("testdata", "refs", "main.yaml"))
	components := mustRead(t, filepath.Join("testdata", "refs", "components.yaml"))
	mux := http.NewServeMux()
	mux.HandleFunc("/specs/main.yaml", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(main)) })
	mux.HandleFunc("/specs/components.yaml", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(components)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s, _, err := Options{}.Read(context.Background(), srv.URL+"/specs/main.yaml")
	require.NoError(t, err, "relative refs of a URL spec stay on its host")
	assert.Len(t, s.Operations, 1)

	_, _, err = Options{}.Read(context.Background(), srv.URL+"/specs/missing.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404")
}

func TestReadStdin(t *testing.T) {
	s, _, err := Options{Stdin: strings.NewReader(mustRead(t, filepath.Join("testdata", "xabuse.yaml")))}.Read(context.Background(), "-")
	require.NoError(t, err)
	assert.Equal(t, "<stdin>", s.Source)
	_, _, err = Options{}.Read(context.Background(), "-")
	assert.ErrorContains(t, err, "no standard input")
}

func TestSyntaxErrorsNameLineAndColumn(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"yaml", "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a: {get: [\n", "bad.yaml:6:"},
		{"json", "{\"openapi\": \"3.0.3\",\n \"info\": {]}", "bad.yaml:2:"},
		{"wrong type", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: 5\n", "bad.yaml:6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load("bad.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidationWarningsAreLocated(t *testing.T) {
	spec := "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses:\n        '200': {description: ok}\n"
	s, warns, err := Load("w.yaml", []byte(spec))
	require.NoError(t, err, "an invalid spec still loads")
	assert.Len(t, s.Operations, 1)
	require.NotEmpty(t, warns)
	assert.Equal(t, scenarios.Location{File: "w.yaml", Line: 4, Column: 3}, warns[0].Loc, "warning %s should point at the path", warns[0])
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
