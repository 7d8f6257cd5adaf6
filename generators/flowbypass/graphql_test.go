package flowbypass_test

import (
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/flowbypass"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

func gqlConfirmScenario(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
	t.Helper()
	sc := tg.GenerateFrom(t, tg.GraphQL, flowbypass.GraphQL{}, generators.Options{Attackers: tg.Identities(82, 1)}, "graphql-flow-bypass-mutation-confirmcheckout")
	assert.Equal(t, "MUTATION addCartItem,MUTATION startPayment", sc.Params["requires"], "the payment's own prerequisite comes first")
	assert.Equal(t, "productId:ID!=1", sc.Params["args.addCartItem"])
	assert.Equal(t, "method:String!=abusegate", sc.Params["args.startPayment"])
	assert.Equal(t, "paymentId:ID!=1", sc.Params["args.confirmCheckout"], "an id the shop never looks at")
	assert.Equal(t, "login", sc.Params["login_field"])
	sc.Think = scenarios.ConstantThink(0)
	return sc
}

// The shop's confirmCheckout forgets the startPayment its schema requires:
// with the cart filled and the payment skipped, every round places an
// order that was never paid. Skipping the cart instead fails, as it
// should.
func TestGraphQLUnguardedConfirmWithoutPayment(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := gqlConfirmScenario(t, tg)
	res := tg.Run(t, flowbypass.GraphQL{}, sc, 10*time.Second, 100)

	assert.Equal(t, 6, res.Abusive, "two bypasses a round, three rounds")
	assert.Equal(t, 3, res.Leak, "an unpaid order every round")
	var ok, failed int
	for _, ex := range res.Exchanges {
		switch {
		case ex.Abusive && ex.Outcome == scenarios.OutcomeSuccess:
			ok++
		case ex.Abusive:
			failed++
		}
	}
	assert.Equal(t, 3, ok)
	assert.Equal(t, 3, failed, "no order without a cart")
}

// A checkout without a cart, over GraphQL too: tried for real, refused by
// the shop (leak 0), which is the finding.
func TestGraphQLDemoshopRefusesCheckoutWithoutCart(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, flowbypass.GraphQL{}, generators.Options{Attackers: tg.Identities(83, 1)}, "graphql-flow-bypass-mutation-checkout")
	assert.Equal(t, "MUTATION addCartItem", sc.Params["requires"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, flowbypass.GraphQL{}, sc, 10*time.Second, 50)

	assert.Equal(t, 3, res.Abusive, "one bypass a round")
	assert.Zero(t, res.Leak)
}

// Behind the guard, the monitor checks the schema's required predecessor
// before serving (InspectFlow): the confirmCheckout that arrives without
// startPayment is refused itself (a challenge), so no unpaid order is ever
// placed, the first one included.
func TestGraphQLGuardedConfirmWithoutPaymentIsChallenged(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := gqlConfirmScenario(t, tg)
	res := tg.Run(t, flowbypass.GraphQL{}, sc, 10*time.Second, 100)

	assert.Zero(t, res.Leak, "the first bypass is refused before it is served")
	first := firstAbusive(t, res)
	assert.Equal(t, scenarios.OutcomeDenied, first.Outcome, "the first confirmCheckout without startPayment is challenged")
	assert.Less(t, res.Abusive, 6, "the attacker gave up before its rounds were done")
	flow := flowDecisions(tg)
	require.NotEmpty(t, flow, tg.DecisionSummary())
	assert.Contains(t, flow[0].Reason, "MUTATION startPayment")
	assert.Contains(t, flow[0].Reason, "before it is served")
}

// The kind needs arguments it can fill: a prerequisite taking an input
// object is beyond it, and a REST surface is the REST kind's.
func TestGraphQLGenerateNeedsFillableArguments(t *testing.T) {
	mutation := func(field string, role scenarios.Role, requires []string, params ...scenarios.Param) scenarios.Operation {
		return scenarios.Operation{Protocol: scenarios.GraphQL, Method: "MUTATION", Path: field, Endpoint: "/graphql",
			Roles: []scenarios.RoleTag{{Role: role}}, Rules: scenarios.Rules{RequiresPrevious: requires}, Params: params}
	}
	s := scenarios.Surface{Operations: []scenarios.Operation{
		mutation("pay", scenarios.RoleCheckout, []string{"MUTATION reserve"}),
		mutation("reserve", scenarios.RoleCart, nil,
			scenarios.Param{In: scenarios.InArgument, Name: "sku", DeclaredType: "String!", Required: true, Role: scenarios.ParamObjectID},
			scenarios.Param{In: scenarios.InArgument, Name: "count", DeclaredType: "Int!", Required: true},
			scenarios.Param{In: scenarios.InArgument, Name: "note", DeclaredType: "String"}),
	}}
	scs := flowbypass.GraphQL{}.Generate(s, generators.Options{})
	require.Len(t, scs, 1)
	assert.Equal(t, "sku:String!=1,count:Int!=1", scs[0].Params["args.reserve"])

	s.Operations[1].Params = append(s.Operations[1].Params, scenarios.Param{In: scenarios.InArgument, Name: "input", DeclaredType: "ReserveInput!", Required: true})
	assert.Empty(t, flowbypass.GraphQL{}.Generate(s, generators.Options{}), "an input object it cannot fill")

	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	assert.Empty(t, flowbypass.GraphQL{}.Generate(tg.Surface, generators.Options{}), "REST operations are the REST kind's")
}

func TestGraphQLProgramRejectsBadParams(t *testing.T) {
	base := map[string]string{"endpoint": "/graphql", "final": "MUTATION pay", "requires": "MUTATION reserve",
		"rounds": "3", "login_field": "login", "login_username": "u:String!", "login_password": "p:String!", "token_field": "token"}
	tests := []struct {
		name, key, value, want string
	}{
		{"no endpoint", "endpoint", "", "endpoint"},
		{"no rounds", "rounds", "0", "rounds"},
		{"final not a field", "final", "POST /pay", "final"},
		{"bad argument", "args.reserve", "count=1", "args.reserve"},
		{"argument of the wrong type", "args.reserve", "count:Int!=many", "is an Int"},
		{"no login", "login_field", "", "no login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := maps.Clone(base)
			p[tt.key] = tt.value
			_, err := flowbypass.GraphQL{}.Program(scenarios.Scenario{ID: "f", Params: p}, generators.Env{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}
