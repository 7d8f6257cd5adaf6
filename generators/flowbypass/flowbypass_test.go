package flowbypass_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/flowbypass"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
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

	assert.Equal(t, 1, res.Abusive)
	assert.Zero(t, res.Leak)
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			assert.Equal(t, http.StatusConflict, ex.Status)
		}
	}
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
