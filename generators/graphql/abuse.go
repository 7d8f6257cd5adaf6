package graphql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

const abuseName = "abuse"

// AbuseDirective declares @abuse, the GraphQL twin of OpenAPI's x-abuse.
// Put it on a Query or Mutation field to state what the heuristics cannot
// know: roles replaces the inferred roles (names as scenarios.Role prints
// them; an empty list means none), sensitivity is low, medium or high,
// and the rest are business rules misuse kinds test, with the meanings of
// x-abuse's keys (docs/x-abuse.md). requiresPrevious (or requires, as in
// x-abuse) names fields ("addCartItem") or operation keys ("MUTATION
// addCartItem"); rateLimit is N/second, N/minute, N/hour or N/day.
// The adapter declares it itself when a schema uses @abuse without
// declaring it; a schema served by a GraphQL server must declare it (copy
// this text).
const AbuseDirective = `"abusegate: roles, sensitivity and business rules of an operation"
directive @abuse(
  roles: [String!]
  sensitivity: String
  oneCouponPerOrder: Boolean
  maxPageSize: Int
  requiresPrevious: [String!]
  requires: [String!]
  rateLimit: String
) on FIELD_DEFINITION
`

// rateLimitPattern is the N/unit form x-abuse's rate-limit also takes.
var rateLimitPattern = regexp.MustCompile(`^[1-9][0-9]*/(second|minute|hour|day)$`)

var abuseSource = &ast.Source{Name: "abusegate:@abuse", Input: AbuseDirective}

// applyAbuse overrides what the heuristics inferred with what the schema
// states. ops is every operation, to resolve requiresPrevious.
func (b *builder) applyAbuse(o *scenarios.Operation, d *ast.Directive, ops []scenarios.Operation) {
	loc := posLoc(d.Position)
	warn := func(format string, args ...any) {
		b.warns = append(b.warns, Warning{Loc: loc, Message: fmt.Sprintf("@abuse on %s: ", o.Key()) + fmt.Sprintf(format, args...)})
	}
	evidence := "@abuse directive at " + loc.String()
	rolesGiven, sensitivityGiven := false, false
	defer func() {
		if rolesGiven && !sensitivityGiven {
			o.Sensitivity = sensitivity(*o, b.lex)
		}
	}()
	for _, a := range d.Arguments {
		v := a.Value
		if v == nil {
			continue
		}
		switch a.Name {
		case "roles":
			rolesGiven = true
			o.Roles = []scenarios.RoleTag{}
			for _, name := range stringList(v) {
				r, ok := scenarios.ParseRole(name)
				if !ok {
					warn("unknown role %q (known: object-read, object-write, collection, login, signup, password-reset, coupon, cart, checkout, search, export, admin)", name)
					continue
				}
				o.Roles = append(o.Roles, scenarios.RoleTag{Role: r, Confidence: 1, Evidence: evidence})
			}
		case "sensitivity":
			sensitivityGiven = true
			switch strings.ToLower(v.Raw) {
			case "low":
				o.Sensitivity = scenarios.SensitivityLow
			case "medium":
				o.Sensitivity = scenarios.SensitivityMedium
			case "high":
				o.Sensitivity = scenarios.SensitivityHigh
			default:
				warn("sensitivity %q is not low, medium or high", v.Raw)
			}
		case "oneCouponPerOrder":
			o.Rules.OneCouponPerOrder = v.Raw == "true"
		case "maxPageSize":
			n, err := strconv.Atoi(v.Raw)
			if err != nil || n < 1 {
				warn("maxPageSize %q is not a positive integer", v.Raw)
				continue
			}
			o.Rules.MaxPageSize = n
			if o.Pagination != nil {
				o.Pagination.MaxSize = n
			}
		case "requiresPrevious", "requires":
			for _, name := range stringList(v) {
				key, ok := resolveOperation(name, ops)
				if !ok {
					warn("requiresPrevious names %q, which is no query or mutation field of this schema", name)
				}
				o.Rules.RequiresPrevious = append(o.Rules.RequiresPrevious, key)
			}
		case "rateLimit":
			if !rateLimitPattern.MatchString(v.Raw) {
				warn("rateLimit %q is not N/second, N/minute, N/hour or N/day", v.Raw)
			}
			o.Rules.RateLimit = v.Raw
		}
	}
}

// stringList reads a list value, or a single value as a list of one.
func stringList(v *ast.Value) []string {
	if v.Kind != ast.ListValue {
		return []string{v.Raw}
	}
	out := make([]string, 0, len(v.Children))
	for _, c := range v.Children {
		if c.Value != nil {
			out = append(out, c.Value.Raw)
		}
	}
	return out
}

// resolveOperation turns a field name or key into an operation key.
func resolveOperation(name string, ops []scenarios.Operation) (string, bool) {
	var found []string
	for _, op := range ops {
		if op.Key() == name || op.ID == name {
			return op.Key(), true
		}
		if op.Path == name {
			found = append(found, op.Key())
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return name, false
}
