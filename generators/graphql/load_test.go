package graphql

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sharedSpec returns the path of a public schema in ../shared/specs. Where
// the shared folder is absent it skips, except under CI=true, where the
// corpus must be there.
func sharedSpec(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "specs", "graphql", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared spec %s missing under CI=true: %v", name, err)
		}
		t.Skipf("shared spec %s not available (%v): run inside the abusegate workspace", name, err)
	}
	return path
}

// golden compares got with testdata/<test name>.golden, rewriting it
// under -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	if bytes.Equal(want, got) {
		return
	}
	// The summaries run to thousands of lines: show where they part.
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		w, g := line(wl, i), line(gl, i)
		if w != g {
			t.Errorf("%s differs from line %d (run go test -update if the change is right):\nwant: %s\ngot:  %s", path, i+1, w, g)
			return
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of file>"
}

func TestPublicSchemas(t *testing.T) {
	tests := []struct {
		file       string
		format     string
		min, warns int
	}{
		{"github-public-schema-2024-06.graphql", "graphql sdl", 250, 0},
		{"shopify-storefront.introspection.json", "graphql introspection", 50, 0},
		{"swapi-graphql-schema.graphql", "graphql sdl", 10, 0},
		{"gqlgen-todo.graphql", "graphql sdl", 2, 0},
		{"gqlparser-swapi.graphql", "graphql sdl", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, warns, err := LoadFiles(Options{}, sharedSpec(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.format, s.Format)
			assert.GreaterOrEqual(t, len(s.Operations), tt.min)
			assert.Len(t, warns, tt.warns, "warnings: %v", warns)
			var buf bytes.Buffer
			s.Source = tt.file // locations in the golden file must not depend on where the corpus lies
			require.NoError(t, WriteSummary(&buf, s, warns))
			golden(t, buf.Bytes())
		})
	}
}
