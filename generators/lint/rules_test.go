package lint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func tag(r scenarios.Role) []scenarios.RoleTag {
	return []scenarios.RoleTag{{Role: r, Confidence: 0.9}}
}

func loc(line int) scenarios.Location {
	return scenarios.Location{File: "spec.yaml", Line: line, Column: 5}
}

func surface(ops ...scenarios.Operation) scenarios.Surface {
	return scenarios.Surface{Source: "spec.yaml", Operations: ops}
}

var (
	userByInt = scenarios.Operation{Method: "GET", Path: "/users/{id}", Auth: true, Sensitivity: scenarios.SensitivityMedium, Roles: tag(scenarios.RoleObjectRead), Loc: loc(10),
		Params: []scenarios.Param{{Name: "id", In: scenarios.InPath, Type: "integer", Role: scenarios.ParamObjectID, IDKind: scenarios.IDInteger, Loc: loc(12)}}}
	userByUUID = scenarios.Operation{Method: "GET", Path: "/users/{id}", Auth: true, Sensitivity: scenarios.SensitivityMedium, Roles: tag(scenarios.RoleObjectRead), Loc: loc(10),
		Params: []scenarios.Param{{Name: "id", In: scenarios.InPath, Type: "string", Format: "uuid", Role: scenarios.ParamObjectID, IDKind: scenarios.IDUUID, Loc: loc(12)}}}
	login         = scenarios.Operation{Method: "POST", Path: "/login", Roles: tag(scenarios.RoleLogin), Loc: loc(20), Responses: []scenarios.Response{{Code: "200"}, {Code: "401"}}}
	loginLimited  = scenarios.Operation{Method: "POST", Path: "/login", Roles: tag(scenarios.RoleLogin), Loc: loc(20), Responses: []scenarios.Response{{Code: "200"}, {Code: "429", Headers: []string{"Retry-After"}}}}
	loginXLimited = scenarios.Operation{Method: "POST", Path: "/login", Roles: tag(scenarios.RoleLogin), Loc: loc(20), Rules: scenarios.Rules{RateLimit: "5/minute"}}
	list          = func(p *scenarios.Pagination, fields ...string) scenarios.Operation {
		return scenarios.Operation{Method: "GET", Path: "/users", Auth: true, Roles: tag(scenarios.RoleCollection), Pagination: p, ResponseFields: fields, Loc: loc(30),
			Params: []scenarios.Param{{Name: "limit", In: scenarios.InQuery, Role: scenarios.ParamPageSize, Loc: loc(33)}}}
	}
	coupon = func(params []scenarios.Param, responses ...scenarios.Response) scenarios.Operation {
		return scenarios.Operation{Method: "POST", Path: "/cart/coupons", Auth: true, Roles: tag(scenarios.RoleCoupon), Params: params, Responses: responses, Loc: loc(40)}
	}
	bodyOp = func(method string, names ...string) scenarios.Operation {
		o := scenarios.Operation{Method: method, Path: "/users/{id}", Auth: true, Loc: loc(50)}
		for _, n := range names {
			o.Params = append(o.Params, scenarios.Param{Name: n, In: scenarios.InBody, Loc: loc(55)})
		}
		return o
	}
)

// TestRules runs each rule on a surface where it must fire and on one where
// it must not.
func TestRules(t *testing.T) {
	tests := []struct {
		rule       string
		fires, not scenarios.Surface
		wantLine   int
	}{
		{"predictable-object-id", surface(userByInt), surface(userByUUID), 12},
		{"unauthenticated-object-access",
			surface(func() scenarios.Operation { o := userByUUID; o.Auth = false; return o }()),
			surface(userByUUID), 10},
		{"auth-no-rate-limit", surface(login), surface(loginLimited, loginXLimited), 20},
		{"credentials-in-query",
			scenarios.Surface{AuthSchemes: []scenarios.AuthScheme{{Name: "key", Type: "apiKey", In: scenarios.InQuery, Param: "api_key", Loc: loc(3)}}},
			scenarios.Surface{AuthSchemes: []scenarios.AuthScheme{{Name: "key", Type: "apiKey", In: scenarios.InHeader, Param: "X-API-Key", Loc: loc(3)}}}, 3},
		{"admin-without-auth",
			surface(scenarios.Operation{Method: "POST", Path: "/admin/users", Roles: tag(scenarios.RoleAdmin), Loc: loc(60)}),
			surface(scenarios.Operation{Method: "POST", Path: "/admin/users", Auth: true, Roles: tag(scenarios.RoleAdmin), Loc: loc(60)}), 60},
		{"graphql-login-mutation",
			surface(scenarios.Operation{Method: "MUTATION", Path: "login", Protocol: scenarios.GraphQL, Roles: tag(scenarios.RoleLogin), Loc: loc(70)}),
			surface(scenarios.Operation{Method: "QUERY", Path: "products", Protocol: scenarios.GraphQL, Roles: tag(scenarios.RoleCollection), Loc: loc(70)}), 70},
		{"unbounded-page-size",
			surface(list(&scenarios.Pagination{Style: scenarios.PageOffset, SizeParam: "limit"})),
			surface(list(&scenarios.Pagination{Style: scenarios.PageOffset, SizeParam: "limit", MaxSize: 100})), 33},
		{"unpaginated-collection", surface(list(nil)), surface(list(&scenarios.Pagination{Style: scenarios.PageCursor, SizeParam: "limit", MaxSize: 50})), 30},
		{"business-flow-no-rate-limit",
			surface(coupon(nil, scenarios.Response{Code: "200"})),
			surface(coupon(nil, scenarios.Response{Code: "200", Headers: []string{"X-RateLimit-Remaining"}})), 40},
		{"coupon-no-idempotency",
			surface(coupon(nil)),
			surface(coupon([]scenarios.Param{{Name: "Idempotency-Key", In: scenarios.InHeader}})), 40},
		{"pii-in-list",
			surface(list(&scenarios.Pagination{MaxSize: 10}, "items[].id", "items[].email")),
			surface(list(&scenarios.Pagination{MaxSize: 10}, "items[].id", "items[].name")), 30},
		{"secret-in-response",
			surface(scenarios.Operation{Method: "GET", Path: "/me", ResponseFields: []string{"id", "password_hash"}, Loc: loc(80)}),
			surface(scenarios.Operation{Method: "GET", Path: "/me", ResponseFields: []string{"id", "password_updated_at"}, Loc: loc(80)}), 80},
		{"mass-assignment", surface(bodyOp("PATCH", "name", "is_admin")), surface(bodyOp("PATCH", "name", "email")), 55},
		{"ssrf-url-param", surface(bodyOp("POST", "callback_url")), surface(bodyOp("POST", "callback_count")), 55},
		{"plaintext-server",
			scenarios.Surface{Servers: []scenarios.Server{{URL: "http://api.example.com/v1", Loc: loc(2)}}},
			scenarios.Surface{Servers: []scenarios.Server{{URL: "https://api.example.com/v1", Loc: loc(2)}, {URL: "http://127.0.0.1:8080", Loc: loc(3)}}}, 2},
		{"deprecated-operation",
			surface(scenarios.Operation{Method: "GET", Path: "/v1/old", Deprecated: true, Loc: loc(90)}),
			surface(scenarios.Operation{Method: "GET", Path: "/v1/old", Loc: loc(90)}), 90},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.rule] = true
		rule, ok := Lookup(tt.rule)
		require.True(t, ok, tt.rule)
		t.Run(tt.rule+"/fires", func(t *testing.T) {
			got := Run(tt.fires, []Rule{rule})
			require.Len(t, got, 1, "%+v", got)
			assert.Equal(t, tt.rule, got[0].Rule)
			assert.Equal(t, rule.OWASP.ID, got[0].OWASP)
			assert.Equal(t, tt.wantLine, got[0].Loc.Line, "finding must point at the spec line")
			assert.NotEmpty(t, got[0].Message)
		})
		t.Run(tt.rule+"/does-not-fire", func(t *testing.T) {
			assert.Empty(t, Run(tt.not, []Rule{rule}))
		})
	}
	for _, r := range Rules() {
		assert.True(t, seen[r.ID], "rule %s has no test", r.ID)
		assert.NotEmpty(t, r.Help, r.ID)
		assert.Regexp(t, `^API(10|[1-9]):2023$`, r.OWASP.ID, r.ID)
	}
}

func TestRunOrdersAndFilters(t *testing.T) {
	s := surface(login, userByInt, scenarios.Operation{Method: "GET", Path: "/v1/old", Deprecated: true, Loc: loc(5)})
	got := Run(s, Rules())
	require.Len(t, got, 3)
	assert.Equal(t, []int{5, 12, 20}, []int{got[0].Loc.Line, got[1].Loc.Line, got[2].Loc.Line})
	assert.Len(t, AtLeast(got, High), 2)
	assert.Len(t, AtLeast(got, Low), 3)
}

func TestParseSeverity(t *testing.T) {
	for s := Low; s <= High; s++ {
		back, ok := ParseSeverity(s.String())
		require.True(t, ok)
		assert.Equal(t, s, back)
	}
	_, ok := ParseSeverity("critical")
	assert.False(t, ok)
}
