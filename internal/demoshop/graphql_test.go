package demoshop

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gqlResponse is the GraphQL answer shape.
type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// gql posts one operation to /graphql and returns the decoded answer.
func (ts *testShop) gql(t *testing.T, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	return callJSON[gqlResponse](t, ts, http.StatusOK, http.MethodPost, "/graphql", token,
		map[string]any{"query": query, "variables": vars})
}

func field[T any](t *testing.T, r gqlResponse, name string) T {
	t.Helper()
	raw, ok := r.Data[name]
	require.True(t, ok, "no data.%s in %+v", name, r)
	var v T
	require.NoError(t, json.Unmarshal(raw, &v), "data.%s: %s", name, raw)
	return v
}

func gqlLoginToken(t *testing.T, ts *testShop, a Account) string {
	t.Helper()
	r := ts.gql(t, "", `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token userId } }`,
		map[string]any{"u": a.Username, "p": a.Password})
	require.Empty(t, r.Errors)
	l := field[struct{ Token, UserID string }](t, r, "login")
	require.Equal(t, fmt.Sprint(a.ID), l.UserID)
	return l.Token
}

func TestGraphQLSchemaCopyInTestdata(t *testing.T) {
	copy, err := os.ReadFile("../../testdata/specs/demoshop.graphql")
	require.NoError(t, err)
	assert.Equal(t, string(GraphQLSchema()), string(copy),
		"testdata/specs/demoshop.graphql differs from schema.graphql; copy it over")
	b := GraphQLSchema()
	b[0] = 'X'
	assert.NotEqual(t, byte('X'), GraphQLSchema()[0], "GraphQLSchema returns a copy")
}

// TestGraphQLBOLA: any valid token reads any user through user(id), as
// through GET /users/{id}.
func TestGraphQLBOLA(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	accounts := ts.Accounts()
	token := gqlLoginToken(t, ts, accounts[0])

	r := ts.gql(t, token, `query($id: ID!) { user(id: $id) { id email address } }`, map[string]any{"id": "3"})
	require.Empty(t, r.Errors)
	u := field[struct{ ID, Email, Address string }](t, r, "user")
	assert.Equal(t, "3", u.ID)
	assert.Equal(t, ts.users[2].Email, u.Email, "a foreign user's email leaks")

	me := field[struct{ ID string }](t, ts.gql(t, token, `{ me { id } }`, nil), "me")
	assert.Equal(t, "1", me.ID)

	tests := []struct {
		name, token, id, code string
	}{
		{"no token", "", "3", "UNAUTHENTICATED"},
		{"bad token", "nope", "3", "UNAUTHENTICATED"},
		{"unknown id", token, "99", "NOT_FOUND"},
		{"not an integer", token, "abc", "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.gql(t, tt.token, `query($id: ID!) { user(id: $id) { email } }`, map[string]any{"id": tt.id})
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tt.code, r.Errors[0].Extensions["code"])
			assert.Equal(t, "null", string(r.Data["user"]))
		})
	}
}

// TestGraphQLAliasBruteForce: twenty password guesses in one HTTP request;
// each alias gets its own answer and the right one gets a token.
func TestGraphQLAliasBruteForce(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	victim := ts.Accounts()[2]
	const n, right = 20, 13
	var q strings.Builder
	q.WriteString("mutation {")
	for i := range n {
		pw := fmt.Sprintf("guess%02d", i)
		if i == right {
			pw = victim.Password
		}
		fmt.Fprintf(&q, " a%d: login(username: %q, password: %q) { token userId }", i, victim.Username, pw)
	}
	q.WriteString(" }")

	r := ts.gql(t, "", q.String(), nil)
	assert.Len(t, r.Errors, n-1, "every wrong guess is answered")
	for _, e := range r.Errors {
		assert.Equal(t, "UNAUTHENTICATED", e.Extensions["code"])
	}
	var found []int
	for i := range n {
		raw := r.Data[fmt.Sprintf("a%d", i)]
		if string(raw) != "null" {
			found = append(found, i)
		}
	}
	require.Equal(t, []int{right}, found)
	l := field[struct{ Token, UserID string }](t, r, fmt.Sprintf("a%d", right))
	assert.Equal(t, fmt.Sprint(victim.ID), l.UserID)

	// The token works: the guess was a real login.
	me := field[struct{ Username string }](t, ts.gql(t, l.Token, `{ me { username } }`, nil), "me")
	assert.Equal(t, victim.Username, me.Username)
}

// TestGraphQLBatch: a JSON array of operations is one HTTP request with
// one answer per operation.
func TestGraphQLBatch(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	a := ts.Accounts()[0]
	batch := []map[string]any{
		{"query": `mutation($p: String!) { login(username: "` + a.Username + `", password: $p) { userId } }`, "variables": map[string]any{"p": "wrong"}},
		{"query": `mutation($p: String!) { login(username: "` + a.Username + `", password: $p) { userId } }`, "variables": map[string]any{"p": a.Password}},
		{"query": `{ products(limit: 2) { total } }`},
	}
	out := callJSON[[]gqlResponse](t, ts, http.StatusOK, http.MethodPost, "/graphql", "", batch)
	require.Len(t, out, 3)
	assert.Equal(t, "null", string(out[0].Data["login"]))
	assert.Equal(t, `{"userId":"1"}`, string(out[1].Data["login"]))
	assert.Equal(t, `{"total":5}`, string(out[2].Data["products"]))

	for _, body := range []string{`[]`, `[`, `{"query": ""}`, `not json`} {
		status, _ := ts.call(t, http.MethodPost, "/graphql", "", body)
		assert.Equal(t, http.StatusBadRequest, status, body)
	}
}

// TestGraphQLProductsUnbounded: limit has no maximum, as over REST.
func TestGraphQLProductsUnbounded(t *testing.T) {
	ts := start(t, New(Options{Users: 2, Products: 300}))
	r := ts.gql(t, "", `{ products(limit: 100000) { items { id priceCents } page limit total } }`, nil)
	require.Empty(t, r.Errors)
	p := field[struct {
		Items              []struct{ ID string }
		Page, Limit, Total int
	}](t, r, "products")
	assert.Len(t, p.Items, 300, "one call takes the whole catalog")
	assert.Equal(t, 100000, p.Limit)
}

// TestGraphQLCouponStacking: codes stack and repeat through applyCoupon,
// and checkout charges what is left.
func TestGraphQLCouponStacking(t *testing.T) {
	ts := start(t, New(Options{Users: 2, Products: 5}))
	token := gqlLoginToken(t, ts, ts.Accounts()[0])
	price := ts.products[0].PriceCents

	r := ts.gql(t, token, `mutation { addCartItem(productId: "1", quantity: 1) { subtotalCents } }`, nil)
	require.Empty(t, r.Errors)
	assert.Equal(t, `{"subtotalCents":`+fmt.Sprint(price)+`}`, string(r.Data["addCartItem"]))

	// Three applications in one request: two codes and a repeat.
	r = ts.gql(t, token, `mutation {
		a: applyCoupon(code: "SPRING10") { totalCents }
		b: applyCoupon(code: "FALL20") { totalCents }
		c: applyCoupon(code: "SPRING10") { discounts { code } discountCents totalCents }
	}`, nil)
	require.Empty(t, r.Errors)
	c := field[struct {
		Discounts                 []struct{ Code string }
		DiscountCents, TotalCents int64
	}](t, r, "c")
	assert.Len(t, c.Discounts, 3, "codes stack and repeat")
	want := ts.coupons["SPRING10"].Discount(price)*2 + ts.coupons["FALL20"].Discount(price)
	assert.Equal(t, want, c.DiscountCents)

	o := field[struct{ TotalCents int64 }](t, ts.gql(t, token, `mutation { checkout { orderId totalCents } }`, nil), "checkout")
	assert.Equal(t, price-want, o.TotalCents)

	r = ts.gql(t, token, `mutation { applyCoupon(code: "NOPE") { totalCents } }`, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "NOT_FOUND", r.Errors[0].Extensions["code"])
}

// TestGraphQLCouponRace: concurrent applyCoupon requests all pass the
// stale check, as concurrent POST /cart/coupons do (TestCouponRace).
func TestGraphQLCouponRace(t *testing.T) {
	const n = 8
	shop := New(Options{Users: 2, Products: 5})
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	shop.couponHook = func() {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(10 * time.Second): // only if the test is broken
		}
	}
	ts := start(t, shop)
	token := gqlLoginToken(t, ts, ts.Accounts()[0])
	ts.gql(t, token, `mutation { addCartItem(productId: "1") { totalCents } }`, nil)

	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r := ts.gql(t, token, `mutation { applyCoupon(code: "GIFT25") { totalCents } }`, nil)
			assert.Empty(t, r.Errors)
		})
	}
	wg.Wait()
	c := field[struct{ Discounts []struct{ Code string } }](t, ts.gql(t, token, `{ cart { discounts { code } } }`, nil), "cart")
	assert.Len(t, c.Discounts, n, "every concurrent application passed the stale check")
}

func TestGraphQLIntrospection(t *testing.T) {
	ts := start(t, New(Options{Users: 1, Products: 1}))
	r := ts.gql(t, "", `{ __schema { queryType { name } mutationType { fields { name } } } }`, nil)
	require.Empty(t, r.Errors)
	assert.Contains(t, string(r.Data["__schema"]), `"name":"login"`)
}
