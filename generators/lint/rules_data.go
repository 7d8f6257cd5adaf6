package lint

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

var piiInList = Rule{
	ID: "pii-in-list", Title: "Personal data in list responses", OWASP: API3, Severity: Medium,
	Help: "Return only what a list view needs; move personal fields to the single-object read, behind an ownership check.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if !o.Has(scenarios.RoleCollection) {
				continue
			}
			var pii []string
			for _, f := range o.ResponseFields {
				// Deeper fields are expansions of related objects, not what
				// the list itself shows.
				if strings.Count(f, ".") <= 2 && scenarios.ClassifyField(f) == scenarios.FieldPII {
					pii = append(pii, f)
				}
			}
			if len(pii) == 0 {
				continue
			}
			report(successLoc(o), o.Key(), fmt.Sprintf("%s lists personal data (%s): a scraper harvests it page by page", o.Key(), summarize(pii)))
		}
	},
}

var secretInResponse = Rule{
	ID: "secret-in-response", Title: "Secret fields in responses", OWASP: API3, Severity: High,
	Help: "Never return passwords, hashes or secrets; mark write-only fields writeOnly and drop them from response schemas.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			var secrets []string
			for _, f := range o.ResponseFields {
				// The object's own fields, or its list items': deeper ones are
				// expansions of related objects, linted where they are served.
				if strings.Count(f, ".") <= 1 && scenarios.ClassifyField(f) == scenarios.FieldSecret {
					secrets = append(secrets, f)
				}
			}
			if len(secrets) > 0 {
				report(successLoc(o), o.Key(), fmt.Sprintf("%s returns secret fields (%s)", o.Key(), summarize(secrets)))
			}
		}
	},
}

// privileged are request fields a caller should never set on itself.
var privileged = []string{"role", "roles", "is_admin", "isadmin", "admin", "permissions", "scopes", "is_staff",
	"is_superuser", "superuser", "verified", "is_verified", "email_verified", "balance", "credit", "credits",
	"account_balance", "owner_id", "tenant_id", "org_id", "approved", "is_approved", "plan", "tier"}

var massAssignment = Rule{
	ID: "mass-assignment", Title: "Writable privileged fields", OWASP: API3, Severity: Medium,
	Help: "Split the write schema from the read schema and leave privilege, ownership and balance fields out of what callers may send (readOnly: true).",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Method == "GET" || o.Method == "QUERY" || o.Has(scenarios.RoleAdmin) {
				continue
			}
			for _, p := range o.Params {
				if p.In != scenarios.InBody || strings.ContainsAny(p.Name, ".[") {
					continue
				}
				if slices.Contains(privileged, strings.ToLower(strings.ReplaceAll(p.Name, "-", "_"))) {
					report(p.Loc, o.Key(), fmt.Sprintf("%s lets the caller set %q: a user can grant itself privileges or ownership", o.Key(), p.Name))
				}
			}
		}
	},
}

var ssrfNames = []string{"url", "uri", "callback", "callback_url", "callbackurl", "webhook", "webhook_url", "webhookurl",
	"image_url", "imageurl", "avatar_url", "icon_url", "logo_url", "feed_url", "source_url", "remote_url", "import_url",
	"target_url", "fetch_url", "endpoint"}

var ssrfURLParam = Rule{
	ID: "ssrf-url-param", Title: "Server fetches a caller-supplied URL", OWASP: API7, Severity: Medium,
	Help: "Allow-list the hosts and schemes the server may fetch, resolve and pin the address, refuse private and link-local ranges, and do not return the fetched body.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Method == "GET" && o.Protocol == scenarios.REST {
				continue // a URL in a query filter is not fetched
			}
			for _, p := range o.Params {
				if p.In != scenarios.InBody && p.In != scenarios.InQuery || strings.ContainsAny(p.Name, ".[") {
					continue
				}
				if slices.Contains(ssrfNames, strings.ToLower(p.Name)) || p.Format == "uri" && strings.Contains(strings.ToLower(p.Name), "url") {
					report(p.Loc, o.Key(), fmt.Sprintf("%s takes URL %q that the server may fetch: point it at internal addresses (169.254.169.254, localhost)", o.Key(), p.Name))
				}
			}
		}
	},
}

var plaintextServer = Rule{
	ID: "plaintext-server", Title: "Server URL is plaintext HTTP", OWASP: API8, Severity: Medium,
	Help: "Serve the API over https only; keep http:// for loopback development servers.",
	Check: func(s scenarios.Surface, report Report) {
		for _, srv := range s.Servers {
			u, err := url.Parse(srv.URL)
			if err != nil || u.Scheme != "http" || loopback(u.Hostname()) {
				continue
			}
			report(srv.Loc, "", fmt.Sprintf("server %s is plain http: tokens and passwords cross the network in clear", srv.URL))
		}
	},
}

var deprecatedOperation = Rule{
	ID: "deprecated-operation", Title: "Deprecated operation still served", OWASP: API9, Severity: Low,
	Help: "Retire deprecated operations on a date, and until then give them the same authentication and limits as their replacement.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Deprecated {
				report(o.Loc, o.Key(), fmt.Sprintf("%s is deprecated but still documented: old versions are where controls go missing", o.Key()))
			}
		}
	},
}

func loopback(host string) bool {
	if host == "localhost" || host == "" || strings.HasPrefix(host, "{") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// successLoc is where an operation's success response is written.
func successLoc(o scenarios.Operation) scenarios.Location {
	for _, r := range o.Responses {
		if strings.HasPrefix(r.Code, "2") && r.Loc.Line > 0 {
			return r.Loc
		}
	}
	return o.Loc
}

// summarize lists up to three fields and counts the rest.
func summarize(fields []string) string {
	if len(fields) <= 3 {
		return strings.Join(fields, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(fields[:3], ", "), len(fields)-3)
}
