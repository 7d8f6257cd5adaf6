package responder_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/scenarios"
)

func gql(t *testing.T, srv *httptest.Server, token string, body any) (int, map[string]any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(data)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var v any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
	if m, ok := v.(map[string]any); ok {
		return res.StatusCode, m
	}
	return res.StatusCode, map[string]any{"batch": v}
}

type q map[string]any

func TestGraphQLShopSchema(t *testing.T) {
	s, _, err := graphql.LoadFiles(graphql.Options{}, filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql"))
	require.NoError(t, err)
	srv := httptest.NewServer(responder.New(s, responder.Options{Seed: 1, Accounts: []scenarios.Identity{{Username: "ann", Password: "pw"}}}))
	defer srv.Close()

	code, body := gql(t, srv, "", q{"query": `mutation { a: login(username: "ann", password: "no") { token } b: login(username: "ann", password: "pw") { token userId } }`})
	require.Equal(t, http.StatusOK, code)
	data := body["data"].(map[string]any)
	assert.Nil(t, data["a"], "a wrong password is a null field")
	tok := data["b"].(map[string]any)["token"].(string)
	require.NotEmpty(t, tok)
	assert.Equal(t, []string{"token", "userId"}, keys(data["b"]), "only what was selected")

	code, body = gql(t, srv, "", q{"query": `query($id: ID!) { user(id: $id) { id email } }`, "variables": q{"id": "42"}})
	assert.Equal(t, http.StatusUnauthorized, code, "every field needs the token the caller lacks")
	assert.NotEmpty(t, body["errors"])

	code, body = gql(t, srv, tok, q{"query": `query($id: ID!) { user(id: $id) { id email } }`, "variables": q{"id": "42"}})
	require.Equal(t, http.StatusOK, code, body)
	user := body["data"].(map[string]any)["user"].(map[string]any)
	assert.EqualValues(t, "42", user["id"], "the id argument echoed")

	code, body = gql(t, srv, tok, q{"query": `{ l1: products(first: 3000) { items { id } } }`})
	require.Equal(t, http.StatusOK, code, body)
	items := body["data"].(map[string]any)["l1"].(map[string]any)["items"].([]any)
	assert.Len(t, items, 3000, "first honoured past the guard's cap")

	_, _ = gql(t, srv, tok, q{"query": `mutation { addCartItem(productId: 3, quantity: 1) { __typename } }`})
	code, body = gql(t, srv, tok, []q{{"query": `mutation { applyCoupon(code: "SAVE10") { __typename } }`}, {"query": `mutation { applyCoupon(code: "WELCOME") { __typename } }`}})
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, body["batch"], 2, "a batch answers each operation")
	code, body = gql(t, srv, tok, q{"query": `mutation { checkout { discountCents } }`})
	require.Equal(t, http.StatusOK, code, body)
	assert.Greater(t, body["data"].(map[string]any)["checkout"].(map[string]any)["discountCents"].(float64), 1000.0)

	code, _ = gql(t, srv, tok, q{"query": `{ products(first: 1) { items { id } }`})
	assert.Equal(t, http.StatusBadRequest, code, "unterminated document")
}

func keys(v any) []string {
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Every field of every public GraphQL schema answers a query for it:
// no panic, a JSON answer with data, bounded, the same for the same seed.
func TestEveryPublicGraphQLSchemaAnswers(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "specs", "graphql")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public schemas missing in CI: %v", err)
		}
		t.Skipf("public schemas not here (../shared/specs is laid beside the repository): %v", err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			s, _, err := graphql.LoadFiles(graphql.Options{}, filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			a := httptest.NewServer(responder.New(s, responder.Options{Seed: 4}))
			defer a.Close()
			b := httptest.NewServer(responder.New(s, responder.Options{Seed: 4}))
			defer b.Close()
			for i, op := range s.Operations {
				sel := ""
				if sh := op.Replies.Answers[0].Shape; sh != nil && (sh.Type == "object" || sh.Items != nil && sh.Items.Type == "object") {
					sel = " { __typename id }"
				}
				doc := q{"query": strings.ToLower(op.Method) + " { x: " + op.Path + "(first: 1500)" + sel + " }"}
				ca, ga := gql(t, a, "k", doc)
				require.Equal(t, http.StatusOK, ca, "%s: %v", op.Key(), ga["errors"])
				if i%5 == 0 { // a sample: Shopify's pages are large
					cb, gb := gql(t, b, "k", doc)
					require.Equal(t, ca, cb)
					require.Equal(t, ga, gb, "%s: same seed, same answer", op.Key())
				}
				data, err := json.Marshal(ga)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(data), maxAnswer, op.Key())
			}
		})
	}
}
