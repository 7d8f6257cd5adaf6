package graphql

import (
	"fmt"
	"io"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// WriteSummary prints a surface as the classified summary the golden tests
// pin and `inspect` can show: one block per operation with its roles,
// evidence, role-bearing parameters, pagination and rules.
func WriteSummary(w io.Writer, s scenarios.Surface, warns []Warning) error {
	var b strings.Builder
	counts := map[string]int{}
	roles := map[scenarios.Role]int{}
	for _, op := range s.Operations {
		counts[op.Method]++
		for _, t := range op.Roles {
			roles[t.Role]++
		}
	}
	fmt.Fprintf(&b, "format: %s\n", s.Format)
	if s.Title != "" {
		fmt.Fprintf(&b, "title: %s\n", s.Title)
	}
	fmt.Fprintf(&b, "operations: %d (queries %d, mutations %d)\n", len(s.Operations), counts["QUERY"], counts["MUTATION"])
	b.WriteString("roles:")
	for r := scenarios.RoleObjectRead; r <= scenarios.RoleObjectWrite; r++ {
		if roles[r] > 0 {
			fmt.Fprintf(&b, " %s=%d", r, roles[r])
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "warnings: %d\n", len(warns))
	for _, w := range warns {
		fmt.Fprintf(&b, "  %s\n", w)
	}
	for _, op := range s.Operations {
		fmt.Fprintf(&b, "\n%s  %s", op.Key(), op.Sensitivity)
		if op.Auth {
			b.WriteString("  auth")
		}
		if op.Deprecated {
			b.WriteString("  deprecated")
		}
		fmt.Fprintf(&b, "  @%d", op.Loc.Line)
		fmt.Fprintf(&b, "  response=%d\n", len(op.ResponseFields))
		for _, t := range op.Roles {
			fmt.Fprintf(&b, "  %s %.2f: %s\n", t.Role, t.Confidence, t.Evidence)
		}
		for _, p := range op.Params {
			if p.Role == scenarios.ParamPlain {
				continue
			}
			fmt.Fprintf(&b, "  param %s: %s %s", p.Name, p.DeclaredType, p.Role)
			if p.Role == scenarios.ParamObjectID {
				fmt.Fprintf(&b, " (%s)", p.IDKind)
			}
			b.WriteString("\n")
		}
		if pg := op.Pagination; pg != nil {
			fmt.Fprintf(&b, "  pagination: %s size=%s max=%d\n", pg.Style, pg.SizeParam, pg.MaxSize)
		}
		if r := op.Rules; r.OneCouponPerOrder || r.MaxPageSize > 0 || len(r.RequiresPrevious) > 0 || r.RateLimit != "" {
			fmt.Fprintf(&b, "  rules: oneCouponPerOrder=%t maxPageSize=%d requiresPrevious=%v rateLimit=%q\n", r.OneCouponPerOrder, r.MaxPageSize, r.RequiresPrevious, r.RateLimit)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
