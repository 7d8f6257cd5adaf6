package enumeration_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// user(id: ID!) is declared opaque, yet its ids are the shop's integer
// keys: the walk, logged in through the GraphQL login mutation, reads every
// foreign profile, ten to an HTTP request.
func TestGraphQLUnguardedLeaks(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(6, 1)}, "graphql-enumeration-query-user")
	assert.Equal(t, "login", sc.Params["login_field"], "logs in through GraphQL, no REST auth needed")
	assert.Equal(t, "address email id name username", sc.Params["selection"])
	assert.Contains(t, sc.Operations[0].Why, "declared opaque")
	sc.Params["to"] = "100"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 500)

	// 100 ids minus the attacker's own (account 7), in ten requests of
	// ten ids (nine for the chunk holding its own).
	assert.Equal(t, 99, res.Leak)
	assert.Equal(t, 10, res.Abusive)
	assert.Zero(t, res.Denied)
}

// Past the last user the answers are null with a not-found error: no
// leak, and a failure rather than a success.
func TestGraphQLPastTheEndFindsNothing(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Users: 20})
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(0, 1)}, "graphql-enumeration-query-user")
	sc.Params["from"], sc.Params["to"] = "21", "60"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 100)
	assert.Zero(t, res.Leak)
	assert.Equal(t, 4, res.Abusive)
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			assert.Equal(t, scenarios.OutcomeFailed, ex.Outcome)
		}
	}
}

func TestGraphQLSkipsRESTAndPublicFields(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	assert.Empty(t, enumeration.NewGraphQL().Generate(tg.Surface, generators.Options{}))
	scs := enumeration.NewGraphQL().Generate(tg.GraphQL, generators.Options{})
	require.Len(t, scs, 1, "user only: products(page, limit) is a collection, me takes no id")
	_, err := enumeration.NewGraphQL().Program(scenarios.Scenario{ID: "g", Params: map[string]string{"from": "1", "to": "2", "field": "user", "arg": "id", "endpoint": "/graphql"}}, generators.Env{})
	assert.ErrorContains(t, err, "no login")
}

// With two attackers, each VU's walk is read again by the other account:
// every profile the first one read, the second reads too (the flaw is the
// field's, not one account's), and the leak counts each record once.
func TestGraphQLUnguardedReplays(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(6, 2)}, "graphql-enumeration-query-user")
	assert.Equal(t, "true", sc.Params["replay"])
	assert.Contains(t, sc.Question, "a second account replays")
	sc.Params["to"] = "40"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 500)

	var walked, replayed, replayRequests int
	for _, ex := range res.Exchanges {
		switch {
		case !ex.Abusive:
		case strings.HasSuffix(ex.Session, "/replay/1"):
			replayed += ex.Leak
			replayRequests++
			assert.Equal(t, scenarios.OutcomeSuccess, ex.Outcome, "the second account reads them too")
		default:
			walked += ex.Leak
		}
	}
	// Ids 1..40 less the walkers' own: VU 0 (account 7) skips 7, VU 1
	// (account 8) has no own id in its chunks 11-20 and 31-40.
	assert.Equal(t, 39, walked)
	// VU 0's 19 reads replayed by account 8 (less its own 8), VU 1's 20
	// by account 7: two requests each.
	assert.Equal(t, 4, replayRequests)
	assert.Zero(t, replayed, "nothing the walk had not read")
	assert.Equal(t, 39, res.Leak)
}

// Identities with keys of their own (a credential: pool; here tokens the
// shop issued, sent as bearer keys) walk and replay without a login: no
// login mutation is ever sent, and the second key reads what the first
// one found.
func TestGraphQLKeyedWalkAndReplayNeedNoLogin(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	users := tg.Identities(6, 2)
	keyed := make([]scenarios.Identity, len(users))
	for i, u := range users {
		keyed[i] = scenarios.Identity{Username: u.Username, Credential: "bearer", Key: shopToken(t, tg, u)}
	}
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: users}, "graphql-enumeration-query-user")
	sc.Identities = keyed
	delete(sc.Params, "login_field")
	sc.Params["to"] = "20"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 200)

	replayed := 0
	for _, ex := range res.Exchanges {
		assert.True(t, ex.Abusive, "only walks and replays are sent, no login: %s %s", ex.Method, ex.Path)
		if strings.HasSuffix(ex.Session, "/replay/1") {
			replayed++
			assert.Equal(t, scenarios.OutcomeSuccess, ex.Outcome)
		}
	}
	assert.Positive(t, res.Leak)
	assert.Positive(t, replayed, "the second key replays the walk")
}

// shopToken logs u in to the shop over REST and returns its token.
func shopToken(t *testing.T, tg *kindtest.Target, u scenarios.Identity) string {
	t.Helper()
	body, err := json.Marshal(map[string]string{"username": u.Username, "password": u.Password})
	require.NoError(t, err)
	resp, err := http.Post(tg.URL.String()+"/login", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotEmpty(t, out.Token)
	return out.Token
}
