package responder_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/runtime/responder"
)

// swapi serves the SWAPI schema of ../shared/specs.
func swapi(t *testing.T) *httptest.Server {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "specs", "graphql", "swapi-graphql-schema.graphql")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public schema %s missing in CI: %v", path, err)
		}
		t.Skipf("public schema %s not here (../shared/specs is laid beside the repository): %v", path, err)
	}
	s, _, err := graphql.LoadFiles(graphql.Options{}, path)
	require.NoError(t, err)
	srv := httptest.NewServer(responder.New(s, responder.Options{Seed: 5}))
	t.Cleanup(srv.Close)
	return srv
}

func data(t *testing.T, srv *httptest.Server, doc string, vars q) map[string]any {
	t.Helper()
	code, body := gql(t, srv, "", q{"query": doc, "variables": vars})
	require.Equal(t, http.StatusOK, code, body)
	require.Nil(t, body["errors"])
	return body["data"].(map[string]any)
}

func list(v any, path ...string) []any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	l, _ := v.([]any)
	return l
}

// A Relay connection answers the window first/last/after/before ask for,
// in its node list and its edges alike (the same records, their cursors
// leading to the next window), with pageInfo and totalCount to match.
func TestGraphQLConnectionWindow(t *testing.T) {
	srv := swapi(t)
	d := data(t, srv, `query($n: Int) { c: allFilms(first: $n) { totalCount films { id title } edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, q{"n": 300})
	c := d["c"].(map[string]any)
	films, edges := list(c, "films"), list(c, "edges")
	require.Len(t, films, 300, "first: 300 honoured in the node list")
	require.Len(t, edges, 300, "and in the edges")
	for i := range films {
		node := edges[i].(map[string]any)["node"]
		assert.Equal(t, films[i], node, "edge %d holds the listed record", i)
	}
	assert.EqualValues(t, 10000, c["totalCount"])
	info := c["pageInfo"].(map[string]any)
	assert.Equal(t, true, info["hasNextPage"])
	assert.Equal(t, false, info["hasPreviousPage"])
	assert.Equal(t, edges[299].(map[string]any)["cursor"], info["endCursor"])

	next := data(t, srv, `query($a: String) { allFilms(first: 2, after: $a) { films { id title } pageInfo { hasPreviousPage } } }`, q{"a": info["endCursor"]})
	page := list(next["allFilms"], "films")
	require.Len(t, page, 2)
	assert.NotContains(t, films, page[0], "after the end cursor: the next records")
	assert.Equal(t, true, next["allFilms"].(map[string]any)["pageInfo"].(map[string]any)["hasPreviousPage"])

	last := data(t, srv, `{ allPeople(last: 7) { people { id } pageInfo { hasNextPage } } }`, nil)
	assert.Len(t, list(last["allPeople"], "people"), 7, "last: 7")
	assert.Equal(t, false, last["allPeople"].(map[string]any)["pageInfo"].(map[string]any)["hasNextPage"], "the last records")

	nested := data(t, srv, `{ film(id: "3") { id characterConnection(first: 250) { characters { id } } } }`, nil)
	assert.Len(t, list(nested["film"], "characterConnection", "characters"), 250, "a nested connection's first")
	assert.Equal(t, "3", nested["film"].(map[string]any)["id"])
}

// The consumption attack's document (aliases of one oversized list)
// gets every item it asks for up to the document's bound, so the excess
// past a cap is measurable against the responder.
func TestGraphQLOversizedAliasesAnswered(t *testing.T) {
	srv := swapi(t)
	d := data(t, srv, `query Amplify($size: Int) { l0: allStarships(first: $size) { starships { id } } l1: allStarships(first: $size) { starships { id } } l2: allStarships(first: $size) { starships { id } } }`, q{"size": 5000})
	total := 0
	for _, a := range []string{"l0", "l1", "l2"} {
		n := len(list(d[a], "starships"))
		assert.LessOrEqual(t, n, 5000)
		total += n
	}
	assert.Len(t, list(d["l0"], "starships"), 5000, "the first alias whole")
	assert.Greater(t, total, 10000, "two aliases and more past a 100 cap")
	assert.LessOrEqual(t, total, 25000, "the document's bound: 50,000 values of {id} items")
}
