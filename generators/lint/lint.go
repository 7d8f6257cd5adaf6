package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// Severity grades a finding; --fail-on compares against it.
type Severity int

// Severities, lowest first.
const (
	Low Severity = iota + 1
	Medium
	High
)

var severityNames = [...]string{Low: "low", Medium: "medium", High: "high"}

func (s Severity) String() string {
	if s > 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText makes severities readable in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity is the inverse of String.
func ParseSeverity(s string) (Severity, bool) {
	for v := Low; v <= High; v++ {
		if v.String() == s {
			return v, true
		}
	}
	return 0, false
}

// OWASP is one category of the OWASP API Security Top 10 2023.
type OWASP struct {
	ID   string // "API1:2023"
	Name string // "Broken Object Level Authorization"
}

// The categories the rules map to.
var (
	API1 = OWASP{"API1:2023", "Broken Object Level Authorization"}
	API2 = OWASP{"API2:2023", "Broken Authentication"}
	API3 = OWASP{"API3:2023", "Broken Object Property Level Authorization"}
	API4 = OWASP{"API4:2023", "Unrestricted Resource Consumption"}
	API5 = OWASP{"API5:2023", "Broken Function Level Authorization"}
	API6 = OWASP{"API6:2023", "Unrestricted Access to Sensitive Business Flows"}
	API7 = OWASP{"API7:2023", "Server Side Request Forgery"}
	API8 = OWASP{"API8:2023", "Security Misconfiguration"}
	API9 = OWASP{"API9:2023", "Improper Inventory Management"}
)

// Finding is one abuse-prone spot in a spec.
type Finding struct {
	Rule     string
	Severity Severity
	OWASP    string
	// Operation is the "METHOD /path" key, empty for document-level
	// findings.
	Operation string `json:",omitempty"`
	Message   string
	Loc       scenarios.Location
}

// Report is how a rule reports a finding: where, on which operation (may
// be empty) and what, in one sentence that says what an attacker does.
type Report func(loc scenarios.Location, op, message string)

// Rule is one lint check. Check must only read the surface and call
// report; rules run in order and may run concurrently with other surfaces.
type Rule struct {
	ID       string
	Title    string
	OWASP    OWASP
	Severity Severity
	// Help says how to fix the spec (or the API) so the rule passes.
	Help  string
	Check func(s scenarios.Surface, report Report)
}

// Run applies the rules to the surface and returns the findings ordered by
// file, line, column and rule.
func Run(s scenarios.Surface, rules []Rule) []Finding {
	var out []Finding
	for _, r := range rules {
		r.Check(s, func(loc scenarios.Location, op, msg string) {
			if loc.File == "" {
				loc.File = s.Source
			}
			out = append(out, Finding{Rule: r.ID, Severity: r.Severity, OWASP: r.OWASP.ID, Operation: op, Message: msg, Loc: loc})
		})
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.Loc.File, b.Loc.File), cmp.Compare(a.Loc.Line, b.Loc.Line),
			cmp.Compare(a.Loc.Column, b.Loc.Column), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
	return out
}

// AtLeast returns the findings of severity min or above.
func AtLeast(fs []Finding, min Severity) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity >= min {
			out = append(out, f)
		}
	}
	return out
}

// Rules returns the built-in rules, sorted by id.
func Rules() []Rule {
	rs := []Rule{
		predictableObjectID, unauthenticatedObjectAccess, unboundedPageSize, unpaginatedCollection,
		authNoRateLimit, businessFlowNoRateLimit, couponNoIdempotency, piiInList, secretInResponse,
		credentialsInQuery, massAssignment, ssrfURLParam, plaintextServer, deprecatedOperation,
		adminWithoutAuth, graphqlLoginMutation,
	}
	slices.SortFunc(rs, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs
}

// Lookup finds a built-in rule by id.
func Lookup(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
