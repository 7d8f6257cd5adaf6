package hoarding_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/hoarding"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// Five accounts each hold 10 x 100 units of the dearest product, and no
// checkout ever comes.
func TestUnguardedHoldsStock(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.Generate(t, hoarding.Kind{}, generators.Options{Attackers: tg.Identities(50, 5)}, "hoarding-post-cart-items")
	assert.Equal(t, "product_id", sc.Params["product_field"])
	assert.Equal(t, "quantity", sc.Params["quantity_field"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, hoarding.Kind{}, sc, 20*time.Second, 500)

	assert.Equal(t, 5*10*100, res.Leak)
	for _, ex := range res.Exchanges {
		assert.NotEqual(t, "/checkout", ex.Route)
	}
}
