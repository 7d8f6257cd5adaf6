package flowbypass_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
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

// The demo shop refuses a checkout of an empty cart: the bypass is tried
// for real and fails, which is the finding (leak 0, answer 409).
func TestDemoshopRefusesCheckoutWithoutCart(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.Generate(t, flowbypass.Kind{}, generators.Options{Attackers: tg.Identities(80, 1)}, "flow-bypass-post-checkout")
	assert.Equal(t, "POST /cart/items", sc.Params["requires"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, flowbypass.Kind{}, sc, 10*time.Second, 50)

	assert.Equal(t, 3, res.Abusive, "one bypass a round")
	assert.Zero(t, res.Leak)
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			assert.Equal(t, http.StatusConflict, ex.Status)
		}
	}
}

func confirmScenario(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
	t.Helper()
	sc := tg.Generate(t, flowbypass.Kind{}, generators.Options{Attackers: tg.Identities(81, 1)}, "flow-bypass-post-checkout-confirm")
	assert.Equal(t, "POST /cart/items,POST /checkout/payment", sc.Params["requires"], "the payment's own prerequisite comes first")
	assert.Equal(t, "POST /cart/items", sc.Params["cart"])
	sc.Think = scenarios.ConstantThink(0)
	return sc
}

// The shop's confirmation forgets the payment its spec requires: with the
// cart filled and the payment skipped, every round places an order that
// was never paid. Skipping the cart instead fails (409), as it should.
func TestUnguardedConfirmWithoutPayment(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := confirmScenario(t, tg)
	res := tg.Run(t, flowbypass.Kind{}, sc, 10*time.Second, 100)

	assert.Equal(t, 6, res.Abusive, "two bypasses a round, three rounds")
	assert.Equal(t, 3, res.Leak, "an unpaid order every round")
	var paid, unpaid int
	for _, ex := range res.Exchanges {
		if ex.Route == "/checkout/payment" {
			paid++
		}
		if ex.Abusive && ex.Status == http.StatusOK {
			unpaid++
		}
	}
	assert.Equal(t, 3, paid, "the payment ran only in the arms that skip the cart")
	assert.Equal(t, 3, unpaid)
}

// Behind the guard, the monitor checks the spec's required predecessor
// before serving (InspectRequest): the confirmation that arrives without
// the payment is refused itself (401 and a challenge), so no unpaid order
// is ever placed, the first one included.
func TestGuardedConfirmWithoutPaymentIsChallenged(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := confirmScenario(t, tg)
	res := tg.Run(t, flowbypass.Kind{}, sc, 10*time.Second, 100)

	assert.Zero(t, res.Leak, "the first bypass is refused before it is served")
	first := firstAbusive(t, res)
	assert.Equal(t, http.StatusUnauthorized, first.Status, "the first confirmation without payment is challenged")
	assert.Equal(t, scenarios.OutcomeDenied, first.Outcome)
	assert.Less(t, res.Abusive, 6, "the attacker gave up before its rounds were done")
	flow := flowDecisions(tg)
	require.NotEmpty(t, flow, tg.DecisionSummary())
	assert.Contains(t, flow[0].Reason, "POST /checkout/payment")
	assert.Contains(t, flow[0].Reason, "before it is served")
	assert.True(t, flow[0].Enforced)

	// The same guard without the check before serving judges the
	// confirmation once answered: the first unpaid order goes through.
	p := monitor.DefaultPolicy()
	p.Flow.BeforeServing = false
	late := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{Policy: p})
	assert.Equal(t, 1, late.Run(t, flowbypass.Kind{}, confirmScenario(t, late), 10*time.Second, 100).Leak)
}

// firstAbusive is a run's first abusive exchange.
func firstAbusive(t *testing.T, res kindtest.Result) scenarios.Exchange {
	t.Helper()
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			return ex
		}
	}
	require.FailNow(t, "the attacker sent no bypass")
	return scenarios.Exchange{}
}

// flowDecisions are the guard's decisions of the flow detector.
func flowDecisions(tg *kindtest.Target) []scenarios.Decision {
	var out []scenarios.Decision
	for _, d := range tg.Guard.Decisions() {
		if d.Detector == monitor.FlowName {
			out = append(out, d)
		}
	}
	return out
}

// A shopper who plays the flow (cart, payment, confirmation) behind the
// same guard is served at every step, and no flow decision is taken.
func TestGuardedCheckoutInOrderIsServed(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	id := tg.Identities(84, 1)[0]
	post := func(path, token string, body any) (int, []byte) {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, tg.URL.JoinPath(path).String(), bytes.NewReader(b))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, out
	}
	status, body := post("/login", "", map[string]string{"username": id.Username, "password": id.Password})
	require.Equal(t, http.StatusOK, status, "%s", body)
	var login struct{ Token string }
	require.NoError(t, json.Unmarshal(body, &login))
	for _, step := range []struct {
		path string
		body any
	}{
		{"/cart/items", map[string]int{"product_id": 1, "quantity": 1}},
		{"/checkout/payment", map[string]string{"method": "card"}},
		{"/checkout/confirm", map[string]any{}},
	} {
		status, body := post(step.path, login.Token, step.body)
		assert.Equal(t, http.StatusOK, status, "%s: %s", step.path, body)
	}
	assert.Zero(t, tg.ByDetector()[monitor.FlowName], tg.DecisionSummary())
}

// With a stated rule, every prerequisite is skipped once while the others
// run.
func TestGenerateSkipsEachStatedPrerequisite(t *testing.T) {
	s := scenarios.Surface{Operations: []scenarios.Operation{{
		Method: http.MethodPost, Path: "/orders/{id}/pay", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCheckout}},
		Rules: scenarios.Rules{RequiresPrevious: []string{"POST /orders", "POST /orders/{id}/confirm"}},
	}}}
	scs := flowbypass.Kind{}.Generate(s, generators.Options{})
	if assert.Len(t, scs, 1) {
		assert.Equal(t, "POST /orders,POST /orders/{id}/confirm", scs[0].Params["requires"])
		assert.Len(t, scs[0].Operations, 3)
	}
}

// Prerequisites of prerequisites come first, each once, and a cycle in the
// stated rules ends.
func TestGenerateChainsPrerequisites(t *testing.T) {
	post := func(path string, requires ...string) scenarios.Operation {
		return scenarios.Operation{Method: http.MethodPost, Path: path, Rules: scenarios.Rules{RequiresPrevious: requires},
			Roles: []scenarios.RoleTag{{Role: scenarios.RoleCheckout}}}
	}
	s := scenarios.Surface{Operations: []scenarios.Operation{
		post("/c", "POST /b", "POST /a"), post("/b", "POST /a"), post("/a", "POST /c"),
	}}
	scs := flowbypass.Kind{}.Generate(s, generators.Options{})
	require.Len(t, scs, 3)
	assert.Equal(t, "POST /a,POST /b", scs[0].Params["requires"])
	assert.Equal(t, "POST /c,POST /a", scs[1].Params["requires"])
}

func TestProgramRejectsBadRounds(t *testing.T) {
	sc := scenarios.Scenario{ID: "f", Params: map[string]string{"final": "POST /checkout", "requires": "POST /cart/items", "rounds": "0"}}
	_, err := flowbypass.Kind{}.Program(sc, generators.Env{})
	require.ErrorContains(t, err, "rounds")
}
