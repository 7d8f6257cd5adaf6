package bruteforce_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/bruteforce"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// A wordlist in aliased login fields cracks the victim in a handful of
// HTTP requests where the REST login would have taken one per guess.
func TestUnguardedAliasesCrackOneAccount(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	victim := tg.Identities(42, 1)
	candidates := cracking.Candidates(cracking.Words)
	at := indexOf(candidates, victim[0].Password)
	require.GreaterOrEqual(t, at, 0, "the victim's password is in the wordlist")

	sc := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Attackers: victim}, "alias-bruteforce-mutation-login")
	assert.Equal(t, "aliases", sc.Params["mode"])
	assert.Equal(t, victim[0].Username, sc.Params["username"])
	assert.Equal(t, "/graphql", sc.Params["endpoint"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, bruteforce.Kind{}, sc, 30*time.Second, 1000)

	assert.Equal(t, 1, res.Leak, "one valid pair found")
	// VU v of 2 sends chunks v, v+2, ... of 100 guesses; the VU whose
	// chunk held the password stops there, the other walks all of its own.
	per, vus := bruteforce.DefaultPerRequest, sc.Schedule.VUs
	require.Equal(t, 2, vus)
	chunks, found := (len(candidates)+per-1)/per, at/per
	own := (chunks + found%2) / 2 // the other VU's chunks
	assert.Equal(t, own+found/2+1, res.Abusive, "%d guesses, %d requests", at+1, res.Abusive)
	assert.Zero(t, res.Denied)
}

// The leaked list in array batches opens every reused-password account,
// two HTTP requests for 200 attempts.
func TestUnguardedBatchesStuffTheLeakedList(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Credentials: kindtest.Leaked(t)}, "batch-bruteforce-mutation-login")
	assert.Equal(t, "batch", sc.Params["mode"])
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, bruteforce.Kind{}, sc, 30*time.Second, 100)

	assert.Equal(t, 40, res.Leak, "the 40 valid pairs of the list")
	assert.Equal(t, 2, res.Abusive, "200 attempts in 2 requests of 100")
}

func TestGenerateNeedsAGraphQLLogin(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	assert.Empty(t, bruteforce.Kind{}.Generate(tg.Surface, generators.Options{}), "the REST login is not GraphQL")
	scs := bruteforce.Kind{}.Generate(tg.GraphQL, generators.Options{})
	require.Len(t, scs, 1, "no leaked list: no batch scenario")
	assert.Empty(t, scs[0].Params["username"])
	_, err := bruteforce.Kind{}.Program(scs[0], generators.Env{})
	assert.ErrorContains(t, err, "needs params username")
}

func TestProgramRejectsBadParams(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	base := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Attackers: tg.Identities(1, 1)}, "alias-bruteforce")
	tests := []struct{ key, value, want string }{
		{"mode", "parallel", "want aliases or batch"},
		{"source", "guess", "want wordlist or leaked"},
		{"per_request", "5000", "from 1 to 1000"},
		{"login_username", "username", "argument:Type"},
		{"rotate", "sideways", "rotate="},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			sc := base
			sc.Params = map[string]string{}
			for k, v := range base.Params {
				sc.Params[k] = v
			}
			sc.Params[tt.key] = tt.value
			_, err := bruteforce.Kind{}.Program(sc, generators.Env{})
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
