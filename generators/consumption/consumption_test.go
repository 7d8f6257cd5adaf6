package consumption_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/consumption"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// The shop's limit has no maximum: every request carries the whole catalog.
func TestUnguardedServesOversizedPages(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 1500})
	sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-products")
	assert.Equal(t, "limit", sc.Params["size_param"])
	assert.Equal(t, "100", sc.Params["cap"])
	sc.Params["requests"] = "3"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 100)

	assert.Equal(t, 2*3*(1500-100), res.Leak)
}
