package couponstacking_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// One GraphQL request stacks every guessed code that exists and repeats
// the first: the checkout's discount is what leaked, and it is more than
// any single code gives.
func TestGraphQLUnguardedStacks(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, couponstacking.GraphQL{}, generators.Options{Attackers: tg.Identities(90, 1)}, "graphql-coupon-stack-mutation-applycoupon")
	assert.Equal(t, "addCartItem", sc.Params["cart"])
	assert.Equal(t, "checkout", sc.Params["checkout"])
	assert.Equal(t, "discountCents", sc.Params["discount_field"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, couponstacking.GraphQL{}, sc, 10*time.Second, 50)

	require.Equal(t, 2, res.Abusive, "the stacking request and the checkout")
	var stacked, paid scenarios.Exchange
	for _, ex := range res.Exchanges {
		if ex.Abusive && stacked.Abusive {
			paid = ex
		} else if ex.Abusive {
			stacked = ex
		}
	}
	assert.Equal(t, scenarios.OutcomeSuccess, stacked.Outcome, "codes were accepted")
	assert.Zero(t, stacked.Leak, "counted at checkout, once")
	assert.Positive(t, paid.Leak, "discount cents obtained")
	assert.Equal(t, res.Leak, paid.Leak)

}

func TestGraphQLNeedsCartAndCheckout(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	assert.Empty(t, couponstacking.GraphQL{}.Generate(tg.Surface, generators.Options{}), "REST operations are the REST kind's")
	s := tg.GraphQL
	var ops []scenarios.Operation
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCheckout) { // checkout and confirmCheckout
			ops = append(ops, op)
		}
	}
	s.Operations = ops
	assert.Empty(t, couponstacking.GraphQL{}.Generate(s, generators.Options{}), "no checkout: no discount to read")
}
