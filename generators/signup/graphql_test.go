package signup_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/signup"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

const gqlScenario = "graphql-account-creation-mutation-signup"

// The demo shop's signup mutation has no limit either, and takes ten
// sign-ups a request under aliases: every account is created, and each
// VU then logs in with one of its own through the login mutation.
func TestGraphQLUnguardedCreatesAccounts(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, signup.GraphQL{}, generators.Options{}, gqlScenario)
	assert.Equal(t, "username:String!,email:String!,password:String!,name:String", sc.Params["args"])
	assert.Equal(t, "login", sc.Params["login_field"])
	sc.Params["accounts"] = "100"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, signup.GraphQL{}, sc, 20*time.Second, 1000)

	assert.Equal(t, 10, res.Abusive, "ten sign-ups a request, two a VU")
	assert.Equal(t, 100, res.Leak)
	assert.Equal(t, 100, tg.Shop.SignedUp(), "the target agrees: 100 accounts exist")
	assert.Zero(t, res.Denied)
	var proofs int
	for _, ex := range res.Exchanges {
		if !ex.Abusive {
			assert.Equal(t, scenarios.OutcomeSuccess, ex.Outcome, "a created account logs in")
			proofs++
		}
	}
	assert.Equal(t, sc.Schedule.VUs, proofs, "one login a VU")
}

// Behind the guard, ten sign-ups in one request are a sensitive field
// repeated past the amplification limit: the request is refused before
// it is served, and the address that sent it is blocked.
func TestGraphQLGuardedAliasedSignupsCreateNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, signup.GraphQL{}, generators.Options{}, gqlScenario)
	sc.Params["accounts"] = "120"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, signup.GraphQL{}, sc, 20*time.Second, 1000)

	require.Positive(t, res.Abusive)
	assert.Zero(t, res.Leak)
	assert.Zero(t, tg.Shop.SignedUp())
	assert.Equal(t, res.Abusive, res.Denied)
	assert.Positive(t, tg.ByDetector()[monitor.AmplificationName], tg.DecisionSummary())
}

// Under the amplification limit (one to four sign-ups a request) the
// requests are served; the guard counts each field, so they are then
// bounded, like the REST kind, by the sign-up detector's limit for one
// address (signup.address), whatever number of aliases carries them: the
// request whose field reaches it is served whole, and what the other VUs
// had in flight, four fields a request at most.
func TestGraphQLGuardedSignupsAreBoundedBySignups(t *testing.T) {
	limit := monitor.DefaultPolicy().Signup.Address
	for _, per := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d a request", per), func(t *testing.T) {
			tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
			sc := tg.GenerateFrom(t, tg.GraphQL, signup.GraphQL{}, generators.Options{}, gqlScenario)
			sc.Params["accounts"] = "1500"
			sc.Params["per_request"] = fmt.Sprint(per)
			sc.Think = scenarios.ConstantThink(0)
			res := tg.Run(t, signup.GraphQL{}, sc, 20*time.Second, 3000)

			require.GreaterOrEqual(t, res.Leak, limit, "sign-ups succeed up to the limit")
			assert.Positive(t, res.Denied)
			assert.LessOrEqual(t, res.Leak, limit-1+per*sc.Schedule.VUs, "the request that reached the limit, and what the other VUs had in flight")
			assert.Equal(t, res.Leak, tg.Shop.SignedUp())
			t.Logf("guarded: %d accounts created, %d requests denied of %d; decisions by detector %v", res.Leak, res.Denied, res.Abusive, tg.ByDetector())
			assert.Positive(t, tg.ByDetector()[monitor.SignupName], tg.DecisionSummary())
		})
	}
}

func TestGraphQLProgramFillsTheArguments(t *testing.T) {
	s := scenarios.Surface{Operations: []scenarios.Operation{{
		Protocol: scenarios.GraphQL, Method: "MUTATION", Path: "register", Endpoint: "/api",
		Roles: []scenarios.RoleTag{{Role: scenarios.RoleSignup}}, ResponseFields: []string{"id", "user.email"},
		Params: []scenarios.Param{
			{In: scenarios.InArgument, Name: "email", DeclaredType: "String!", Required: true},
			{In: scenarios.InArgument, Name: "secret", DeclaredType: "String!", Required: false},
			{In: scenarios.InArgument, Name: "password", DeclaredType: "String!", Required: true},
		},
	}}}
	scs := signup.GraphQL{}.Generate(s, generators.Options{})
	require.Len(t, scs, 1)
	assert.Equal(t, "email:String!,password:String!", scs[0].Params["args"], "an argument it cannot fill is left out when optional")
	scs[0].Params["per_request"] = "2"
	p, err := signup.GraphQL{}.Program(scs[0], generators.Env{VU: 1, Seed: 7})
	require.NoError(t, err)
	step, ok := p.Next(nil)
	require.True(t, ok)
	assert.True(t, step.Request.Abusive)
	assert.Equal(t, http.MethodPost, step.Request.Method)
	assert.JSONEq(t, `{"operationName":"AbusegateSignup",
		"query":"mutation AbusegateSignup($email0: String!, $password0: String!, $email1: String!, $password1: String!) { s0: register(email: $email0, password: $password0) { id } s1: register(email: $email1, password: $password1) { id } }",
		"variables":{"email0":"ag7.user1@example.com","password0":"Spring2025!x","email1":"ag7.user6@example.com","password1":"Spring2024!x"}}`, string(step.Request.Body))

	// A required argument it cannot fill: no scenario.
	s.Operations[0].Params[1].Required = true
	assert.Empty(t, signup.GraphQL{}.Generate(s, generators.Options{}))
}

func TestGraphQLProgramRejectsBadParams(t *testing.T) {
	base := map[string]string{"endpoint": "/graphql", "signup": "signup", "args": "email:String!", "per_request": "10"}
	tests := []struct {
		name, key, value, want string
	}{
		{"no endpoint", "endpoint", "", "endpoint"},
		{"no aliases", "per_request", "0", "per_request"},
		{"too many aliases", "per_request", "1001", "per_request"},
		{"unfillable argument", "args", "age:Int!", "args"},
		{"bad rotation", "rotate", "sideways", "rotate"},
		{"bad login", "login_field", "login", "login_username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := maps.Clone(base)
			p[tt.key] = tt.value
			_, err := signup.GraphQL{}.Program(scenarios.Scenario{ID: "s", Params: p}, generators.Env{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// Shopify's customerCreate takes its fields in an input object and
// answers a failed sign-up with customer: null and customerUserErrors, in
// a 200: the program fills the object and counts only accounts made.
func TestGraphQLInputObjectSignup(t *testing.T) {
	spec := filepath.Join("..", "..", "..", "shared", "specs", "graphql", "shopify-storefront.introspection.json")
	if _, err := os.Stat(spec); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public spec missing: %v", err)
		}
		t.Skipf("public spec not at %s", spec)
	}
	s, _, err := graphql.LoadFiles(graphql.Options{}, spec)
	require.NoError(t, err)
	scs := signup.GraphQL{}.Generate(s, generators.Options{})
	require.Len(t, scs, 1)
	sc := scs[0]
	assert.Equal(t, "graphql-account-creation-mutation-customercreate", sc.ID)
	assert.Equal(t, "input.email:String!,input.firstName:String,input.lastName:String,input.password:String!", sc.Params["args"])
	assert.Equal(t, "input:CustomerCreateInput!", sc.Params["inputs"])
	assert.Equal(t, "customer { id } customerUserErrors { message } userErrors { message }", sc.Params["selection"])
	sc.Params["per_request"] = "3"
	p, err := signup.GraphQL{}.Program(sc, generators.Env{VU: 0, Seed: 7})
	require.NoError(t, err)
	step, ok := p.Next(nil)
	require.True(t, ok)
	var body struct {
		Query     string
		Variables map[string]map[string]string
	}
	require.NoError(t, json.Unmarshal(step.Request.Body, &body))
	assert.Contains(t, body.Query, "($input0: CustomerCreateInput!, $input1: CustomerCreateInput!, $input2: CustomerCreateInput!)")
	assert.Contains(t, body.Query, "s1: customerCreate(input: $input1) { customer { id } customerUserErrors { message } userErrors { message } }")
	assert.Equal(t, map[string]string{"email": "ag7.user5@example.com", "firstName": "ag7.user5", "lastName": "ag7.user5", "password": "Spring2026!x"}, body.Variables["input1"])

	answer := `{"data":{
		"s0":{"customer":{"id":"gid://shopify/Customer/1"},"customerUserErrors":[],"userErrors":[]},
		"s1":{"customer":null,"customerUserErrors":[{"message":"Email has already been taken"}],"userErrors":[]},
		"s2":{"customer":{"id":"gid://shopify/Customer/2"},"customerUserErrors":[],"userErrors":[]}}}`
	outcome, leak := step.Request.Judge(scenarios.Result{Request: step.Request, Status: http.StatusOK, Body: []byte(answer)})
	assert.Equal(t, scenarios.OutcomeSuccess, outcome)
	assert.Equal(t, 2, leak, "the taken address made no account")
}
