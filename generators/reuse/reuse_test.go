package reuse_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/reuse"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// Twenty devices use one token and the shop serves every one of them.
func TestUnguardedServesOneTokenEverywhere(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	k := reuse.New()
	sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(30, 3)}, "reuse-token")
	require.Len(t, sc.Identities, 1, "one account")
	sc.Params["requests"] = "5"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, k, sc, 20*time.Second, 1000)

	assert.Equal(t, 20*5, res.Leak)
	tokens := map[string]bool{}
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			tokens[ex.TokenID] = true
		}
	}
	assert.Len(t, tokens, 1, "every abusive request carried the same token")
}

func TestProgramRejectsPathParameters(t *testing.T) {
	sc := scenarios.Scenario{ID: "r", Operations: []scenarios.Target{{Operation: "GET /users/{id}"}}, Identities: []scenarios.Identity{{Username: "a"}}}
	_, err := reuse.New().Program(sc, generators.Env{})
	require.ErrorContains(t, err, "without parameters")
}
