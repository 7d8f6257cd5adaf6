package openapi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// sharedSpec returns the path of a public spec in ../shared/specs, skipping
// the test where the shared folder is absent.
func sharedSpec(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "specs", "openapi", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared spec %s missing under CI: %v", name, err)
		}
		t.Skipf("shared spec %s not available (%v): run inside the abusegate workspace", name, err)
	}
	return path
}

func TestLoadPublicSpecs(t *testing.T) {
	tests := []struct {
		file   string
		format string
		ops    int
	}{
		{"oai-petstore-expanded.yaml", "openapi 3.0.0", 4},
		{"oai-petstore.json", "swagger 2.0", 3},
		{"alertmanager-v2.yaml", "swagger 2.0", 9},
		{"kin-petstore-swagger.json", "swagger 2.0", 20},
		{"swagger-petstore3.yaml", "openapi 3.0.4", 19},
		{"redocly-museum.yaml", "openapi 3.1.0", 8},
		{"oai-uspto.yaml", "openapi 3.0.1", 3},
		{"twilio_accounts_v1.yaml", "openapi 3.0.1", 20},
		{"oai-webhook-example.yaml", "openapi 3.1.0", 0},
		{"kin-ooxml-issue796.yml", "openapi 3.0.1", 148},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, _, err := LoadFile(sharedSpec(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.format, s.Format)
			assert.Len(t, s.Operations, tt.ops)
		})
	}
}

func TestObjectReadRole(t *testing.T) {
	s, _, err := LoadFile(sharedSpec(t, "oai-petstore-expanded.yaml"))
	require.NoError(t, err)
	var found bool
	for _, op := range s.Operations {
		if op.Key() != "GET /pets/{id}" {
			continue
		}
		found = true
		assert.True(t, op.Has(scenarios.RoleObjectRead), "roles: %v", op.Roles)
		p, ok := op.ObjectID()
		require.True(t, ok)
		assert.Equal(t, "id", p.Name)
		assert.Equal(t, "integer", p.Type)
		assert.Positive(t, op.Loc.Line, "operation location should carry a line")
	}
	require.True(t, found, "GET /pets/{id} not in surface")
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not yaml", "openapi: [3.0", "bad.yaml"},
		{"no version", "info: {title: x, version: '1'}\npaths: {}\n", "no \"openapi\" or \"swagger\" version field"},
		{"remote ref", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: 'http://example.com/x.yaml#/a'\n", "remote $ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load("bad.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
