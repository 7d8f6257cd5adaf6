package lint_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/lint"
	"github.com/abusegate/abusegate/generators/openapi"
)

var update = flag.Bool("update", false, "rewrite golden files")

// specsDir is the shared public corpus; tests skip without it, except
// under CI where it must be present.
func specsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "specs", "openapi")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared specs missing under CI: %v", err)
		}
		t.Skipf("shared specs not available (%v): run inside the abusegate workspace", err)
	}
	return dir
}

// TestGoldenFindings pins the lint findings of every shared OpenAPI spec.
// Refresh with -update, then read the diff.
func TestGoldenFindings(t *testing.T) {
	dir := specsDir(t)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var paths []string
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			s, _, err := openapi.LoadFile(path)
			require.NoError(t, err)
			var b strings.Builder
			for _, f := range lint.Run(s, lint.Rules()) {
				fmt.Fprintf(&b, "%d:%d %s %s [%s] %s\n", f.Loc.Line, f.Loc.Column, f.Severity, f.Rule, f.OWASP, f.Message)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), b.String())
		})
	}
}
