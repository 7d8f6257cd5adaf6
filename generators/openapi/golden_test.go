package openapi

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sharedSpecs lists every OpenAPI spec in the shared corpus.
func sharedSpecs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(sharedSpec(t, "."))
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// summary is the classified surface in a stable, reviewable text form: one
// line per operation with its roles, id, paging and sensitivity.
func summary(s scenarios.Surface, warns []Warning) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s) %d operations\n", s.Title, s.Version, s.Format, len(s.Operations))
	for _, a := range s.AuthSchemes {
		fmt.Fprintf(&b, "auth %s %s %s %s\n", a.Name, a.Type, paramInName(a.In), a.Param)
	}
	for _, srv := range s.Servers {
		fmt.Fprintf(&b, "server %s\n", srv.URL)
	}
	fmt.Fprintf(&b, "warnings %d\n", len(warns))
	for _, o := range s.Operations {
		fmt.Fprintf(&b, "\n%s line %d auth=%v sensitivity=%s\n", o.Key(), o.Loc.Line, o.Auth, o.Sensitivity)
		for _, r := range o.Roles {
			fmt.Fprintf(&b, "  role %s %.2f: %s\n", r.Role, r.Confidence, r.Evidence)
		}
		for _, p := range o.Params {
			if p.Role != scenarios.ParamPlain {
				fmt.Fprintf(&b, "  param %s %s %s %s", p.In, p.Name, p.Type, p.Role)
				if p.Role == scenarios.ParamObjectID {
					fmt.Fprintf(&b, " id=%s", p.IDKind)
				}
				b.WriteString("\n")
			}
		}
		if pg := o.Pagination; pg != nil {
			fmt.Fprintf(&b, "  pagination %s size=%s max=%d\n", pg.Style, pg.SizeParam, pg.MaxSize)
		}
		codes := make([]string, 0, len(o.Responses))
		for _, r := range o.Responses {
			codes = append(codes, r.Code)
		}
		fmt.Fprintf(&b, "  responses %s; %d response fields, %d request fields\n", strings.Join(codes, " "), len(o.ResponseFields), len(o.RequestFields))
	}
	return b.String()
}

func paramInName(i scenarios.ParamIn) string {
	if i == 0 {
		return "-"
	}
	return i.String()
}

// TestGoldenSurfaces pins each shared spec's classified surface. Refresh
// with go test ./generators/openapi -run Golden -update, then read the diff.
func TestGoldenSurfaces(t *testing.T) {
	for _, name := range sharedSpecs(t) {
		t.Run(name, func(t *testing.T) {
			s, warns, err := LoadFile(sharedSpec(t, name))
			require.NoError(t, err)
			got := summary(s, warns)
			golden := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}
