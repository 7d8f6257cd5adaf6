package lint

import (
	"fmt"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

var predictableObjectID = Rule{
	ID: "predictable-object-id", Title: "Object ids are predictable", OWASP: API1, Severity: High,
	Help: "Use random identifiers (UUIDv4 or prefixed random ids) for objects callers address directly, and check ownership on every access; mark a reviewed id with x-abuse: {id-kind: uuid} if the spec under-states it.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if !o.Has(scenarios.RoleObjectRead) && !o.Has(scenarios.RoleObjectWrite) {
				continue
			}
			if !o.Auth && o.Sensitivity == scenarios.SensitivityLow {
				continue // a public catalogue: nothing to steal by walking it
			}
			p, ok := o.ObjectID()
			for _, q := range o.Params { // the id that ends the path is the one addressed
				if q.Role == scenarios.ParamObjectID && strings.HasSuffix(o.Path, "{"+q.Name+"}") {
					p, ok = q, true
				}
			}
			if !ok || !p.IDKind.Predictable() {
				continue
			}
			report(p.Loc, o.Key(), fmt.Sprintf("%s addresses objects by %s %s: an attacker walks neighbouring ids to read or change other users' objects",
				o.Key(), p.IDKind, p.Name))
		}
	},
}

var unauthenticatedObjectAccess = Rule{
	ID: "unauthenticated-object-access", Title: "Objects are reachable without authentication", OWASP: API1, Severity: Medium,
	Help: "Require authentication (a security requirement) on operations that read or change one object by id, unless the object is public by design (then mark it x-abuse: {sensitivity: low}).",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Auth || o.Sensitivity == scenarios.SensitivityLow || o.Protocol == scenarios.GraphQL {
				continue // GraphQL schemas cannot say whether a field needs credentials
			}
			if o.Has(scenarios.RoleObjectRead) || o.Has(scenarios.RoleObjectWrite) {
				report(o.Loc, o.Key(), fmt.Sprintf("%s reads or changes one object by id with no security requirement (sensitivity %s): anyone can enumerate it", o.Key(), o.Sensitivity))
			}
		}
	},
}

var authNoRateLimit = Rule{
	ID: "auth-no-rate-limit", Title: "Credential endpoints document no rate limit", OWASP: API2, Severity: High,
	Help: "Document the limit: a 429 response with Retry-After (or RateLimit-*/X-RateLimit-* headers), or x-abuse: {rate-limit: 5/minute}; and enforce it per account and per source.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			role, ok := firstRole(o, scenarios.RoleLogin, scenarios.RolePasswordReset, scenarios.RoleSignup)
			if !ok || documentsRateLimit(o) {
				continue
			}
			threat := map[scenarios.Role]string{scenarios.RoleLogin: "credential stuffing", scenarios.RolePasswordReset: "reset and one-time code guessing",
				scenarios.RoleSignup: "mass fake-account creation"}[role]
			report(o.Loc, o.Key(), fmt.Sprintf("%s (%s) documents no rate limit (no 429, no rate-limit headers): %s runs at full speed", o.Key(), role, threat))
		}
	},
}

var credentialsInQuery = Rule{
	ID: "credentials-in-query", Title: "Credentials travel in the URL", OWASP: API2, Severity: High,
	Help: "Send API keys in a header and passwords in the request body: URLs end up in proxy, server and browser logs.",
	Check: func(s scenarios.Surface, report Report) {
		for _, a := range s.AuthSchemes {
			if a.In == scenarios.InQuery {
				report(a.Loc, "", fmt.Sprintf("security scheme %s sends its key in query parameter %q, where logs and referrers leak it", a.Name, a.Param))
			}
		}
		for _, o := range s.Operations {
			for _, p := range o.Params {
				if p.In != scenarios.InQuery {
					continue
				}
				name := strings.ToLower(p.Name)
				if p.Role == scenarios.ParamPassword || name == "api_key" || name == "apikey" || name == "access_token" || name == "token" || name == "secret" || name == "client_secret" {
					report(p.Loc, o.Key(), fmt.Sprintf("%s takes the credential %q in the query string, where logs and referrers leak it", o.Key(), p.Name))
				}
			}
		}
	},
}

var adminWithoutAuth = Rule{
	ID: "admin-without-auth", Title: "Administrative operation without authentication", OWASP: API5, Severity: High,
	Help: "Require authentication and an administrative scope or role on every administrative operation.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Has(scenarios.RoleAdmin) && !o.Auth && o.Protocol == scenarios.REST {
				report(o.Loc, o.Key(), fmt.Sprintf("%s is administrative and has no security requirement", o.Key()))
			}
		}
	},
}

var graphqlLoginMutation = Rule{
	ID: "graphql-login-mutation", Title: "Login is a GraphQL mutation", OWASP: API2, Severity: High,
	Help: "Limit aliases and batched operations per request (count login fields, not HTTP requests), or move login to a plain REST endpoint with a per-account rate limit.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Protocol != scenarios.GraphQL {
				continue
			}
			if role, ok := firstRole(o, scenarios.RoleLogin, scenarios.RolePasswordReset); ok {
				report(o.Loc, o.Key(), fmt.Sprintf("%s (%s) is a GraphQL field: one HTTP request can carry hundreds of aliased attempts, so per-request rate limits do not bound guessing", o.Key(), role))
			}
		}
	},
}

func firstRole(o scenarios.Operation, roles ...scenarios.Role) (scenarios.Role, bool) {
	for _, r := range roles {
		if o.Has(r) {
			return r, true
		}
	}
	return 0, false
}

// documentsRateLimit reports whether an operation says it is rate limited:
// a 429 answer, a rate-limit header on any answer, or an x-abuse rule.
func documentsRateLimit(o scenarios.Operation) bool {
	if o.Rules.RateLimit != "" {
		return true
	}
	for _, r := range o.Responses {
		if r.Code == "429" || r.Code == "4XX" {
			return true
		}
		for _, h := range r.Headers {
			h = strings.ToLower(h)
			if strings.Contains(h, "ratelimit") || strings.Contains(h, "rate-limit") || h == "retry-after" {
				return true
			}
		}
	}
	return false
}
