package consumption_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/consumption"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// The shop's limit has no maximum: every request carries the whole catalog,
// 500 items past the cap the guard enforces where nothing is documented.
func TestUnguardedServesOversizedPages(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 1500})
	sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-products")
	assert.Equal(t, "limit", sc.Params["size_param"])
	assert.Equal(t, "1000", sc.Params["cap"])
	assert.Contains(t, sc.Operations[0].Why, "documents no maximum: items past 1000")
	sc.Params["requests"] = "3"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 100)

	assert.Equal(t, 2*3*(1500-1000), res.Leak)
}

// Where the spec documents a maximum, the cap is the smallest one written,
// as the monitor reads it, and the plan says where it comes from.
func TestCapIsTheSmallestDocumentedMaximum(t *testing.T) {
	op := scenarios.Operation{
		Method: "GET", Path: "/items", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCollection}},
		Params:     []scenarios.Param{{Name: "per_page", In: scenarios.InQuery, Role: scenarios.ParamPageSize, Maximum: 250}},
		Pagination: &scenarios.Pagination{MaxSize: 500},
	}
	tests := []struct {
		name     string
		xabuse   int
		want     string
		whyWants string
	}{
		{"schema maximum", 0, "250", "documented up to 250 (the size parameter's schema maximum)"},
		{"x-abuse lower", 100, "100", "documented up to 100 (the x-abuse max page size)"},
		{"x-abuse higher", 300, "250", "documented up to 250 (the size parameter's schema maximum)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := op
			o.Rules.MaxPageSize = tt.xabuse
			scs := consumption.Kind{}.Generate(scenarios.Surface{Operations: []scenarios.Operation{o}}, generators.Options{})
			require.Len(t, scs, 1)
			assert.Equal(t, tt.want, scs[0].Params["cap"])
			assert.Contains(t, scs[0].Operations[0].Why, tt.whyWants)
		})
	}
}
