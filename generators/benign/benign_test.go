package benign

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// restShop is a REST journey: a collection and a cart.
func restShop() scenarios.Scenario {
	return scenarios.Scenario{ID: "benign-shoppers", Operations: []scenarios.Target{
		{Operation: "GET /products", Why: scenarios.RoleCollection.String()},
		{Operation: "POST /cart", Why: scenarios.RoleCart.String()},
	}}
}

// journey runs p for n steps against answers that always list products
// 3 and 4, returning the requests it sent.
func journey(t *testing.T, p scenarios.Program, n int) []scenarios.Request {
	t.Helper()
	var sent []scenarios.Request
	var prev *scenarios.Result
	for range n {
		st, ok := p.Next(prev)
		require.True(t, ok, "the journey goes on")
		sent = append(sent, st.Request)
		prev = &scenarios.Result{Request: st.Request, Status: http.StatusOK, Body: []byte(`{"items":[{"id":3},{"id":4}]}`)}
	}
	return sent
}

// A client of an API without a login holds a key of its own: it never
// logs in (there is nothing to log in to) and every request carries it.
func TestKeyedShopperSendsItsKey(t *testing.T) {
	id := scenarios.Identity{Username: "key-1", Credential: "bearer", Key: "sk_test_1"}
	p, err := Program(restShop(), generators.Env{Identity: id, Seed: 1})
	require.NoError(t, err)
	sent := journey(t, p, 6)
	for _, r := range sent {
		assert.NotEqual(t, http.MethodPost+" ", r.Method+" "+r.Path, "no login to an empty path")
		assert.Equal(t, "Bearer sk_test_1", r.Header.Get("Authorization"), r.Method+" "+r.Path)
	}
	assert.Equal(t, "GET", sent[0].Method)
	assert.Regexp(t, `^\{"product_id":[34],"quantity":[12]\}$`, string(sent[1].Body), "the cart takes a listed product")
}

// On an API with neither a login nor keys, shoppers browse anonymously.
func TestShopperWithoutALoginBrowsesAnonymously(t *testing.T) {
	id := scenarios.Identity{Username: "shopper1", Password: "CHANGE-ME"}
	p, err := Program(restShop(), generators.Env{Identity: id, Seed: 1})
	require.NoError(t, err)
	for _, r := range journey(t, p, 4) {
		assert.NotEmpty(t, r.Path)
		assert.Empty(t, r.Header.Get("Authorization"))
	}
}

// With a login, the journey starts with it.
func TestShopperLogsInFirst(t *testing.T) {
	auth := scenarios.Auth{Path: "/login", UsernameField: "username", PasswordField: "password", TokenField: "token"}
	p, err := Program(restShop(), generators.Env{Auth: auth, Identity: scenarios.Identity{Username: "u", Password: "pw"}, Seed: 1})
	require.NoError(t, err)
	st, ok := p.Next(nil)
	require.True(t, ok)
	assert.Equal(t, "POST /login", st.Request.Method+" "+st.Request.Path)
	st, ok = p.Next(&scenarios.Result{Request: st.Request, Status: http.StatusOK, Body: []byte(`{"token":"t1"}`)})
	require.True(t, ok)
	assert.Equal(t, "GET /products", st.Request.Method+" "+st.Request.Route)
	assert.Equal(t, "Bearer t1", st.Request.Header.Get("Authorization"))
}

// A shopper with neither a login nor a key leaves out what needs a
// credential (the refusal would count as hurt); one with a key uses it
// all. (A plan generated for a keyed API before shoppers had keys runs
// them with none.)
func TestAnonymousShopperLeavesOutWhatNeedsACredential(t *testing.T) {
	s := scenarios.Surface{Operations: []scenarios.Operation{
		{Method: http.MethodGet, Path: "/accounts", Auth: true, Roles: []scenarios.RoleTag{{Role: scenarios.RoleCollection, Confidence: 0.9}}},
		{Method: http.MethodPost, Path: "/cart", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCart, Confidence: 0.9}}},
	}}
	people := []scenarios.Identity{{Username: "shopper1", Password: "CHANGE-ME"}}
	sc, err := Workload(s, people)
	require.NoError(t, err)
	assert.Equal(t, "GET /accounts", sc.Params[paramAuthed])

	p, err := Program(sc, generators.Env{Identity: people[0], Seed: 1})
	require.NoError(t, err)
	_, ok := p.Next(nil)
	assert.False(t, ok, "nothing public to list, so no product for the cart: the journey ends")

	keyed := scenarios.Identity{Username: "key-1", Credential: "api-key", Key: "k1"}
	p, err = Program(sc, generators.Env{Identity: keyed, Seed: 1})
	require.NoError(t, err)
	st, ok := p.Next(nil)
	require.True(t, ok)
	assert.Equal(t, "GET /accounts", st.Request.Method+" "+st.Request.Route)
}

// A shopper keeps the paths it builds, each for its own operation: a plan
// may list two collections.
func TestShopperPathsFollowTheirOperation(t *testing.T) {
	sc := scenarios.Scenario{ID: "benign-shoppers", Operations: []scenarios.Target{
		{Operation: "GET /products", Why: scenarios.RoleCollection.String()},
		{Operation: "GET /offers", Why: scenarios.RoleCollection.String()},
	}}
	p, err := Program(sc, generators.Env{Identity: scenarios.Identity{Username: "key-1", Credential: "bearer", Key: "k"}, Seed: 1})
	require.NoError(t, err)
	for _, r := range journey(t, p, 400) {
		assert.Regexp(t, `^`+r.Route+`\?page=([1-9]|[1-4][0-9]|50)&limit=20$`, r.Path)
	}
}
