package guard

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// shopGraphQL is the demo shop's GraphQL surface, read from its SDL by the
// real adapter, as `abusegate guard --spec schema.graphql` reads it.
func shopGraphQL(t testing.TB) scenarios.Surface {
	t.Helper()
	s, _, err := graphql.Load(graphql.Options{}, graphql.Source{Name: "demoshop.graphql", Data: demoshop.GraphQLSchema()})
	require.NoError(t, err)
	return s
}

// field is a resolved field as the tests compare it.
type field struct {
	Elem                       int
	Alias, Op                  string
	ObjectID, Username, Coupon string
}

func TestResolveGraphQL(t *testing.T) {
	rt := monitor.NewRouter(shopGraphQL(t))
	tests := []struct {
		name      string
		body      string
		want      []field
		batch     bool
		malformed int
	}{
		{name: "aliased logins with variables",
			body: `{"query":"mutation M($u0: String!, $p0: String!, $u1: String!) { a0: login(username: $u0, password: $p0) { token } a1: login(username: $u1, password: \"x\") { token } }","variables":{"u0":"ann","p0":"pw","u1":"bob"}}`,
			want: []field{{Alias: "a0", Op: "MUTATION login", Username: "ann"}, {Alias: "a1", Op: "MUTATION login", Username: "bob"}}},
		{name: "aliased object reads, literal and variable ids",
			body: `{"query":"query($id: ID!) { r1: user(id: 1) { name } r2: user(id: \"2\") { name } r3: user(id: $id) { name } me { id } }","variables":{"id":3}}`,
			want: []field{{Alias: "r1", Op: "QUERY user", ObjectID: "1"}, {Alias: "r2", Op: "QUERY user", ObjectID: "2"},
				{Alias: "r3", Op: "QUERY user", ObjectID: "3"}, {Alias: "me", Op: "QUERY me"}}},
		{name: "batch: one element a document",
			body:  `[{"query":"mutation { applyCoupon(code: \"SAVE10\") { totalCents } }"},{"query":"mutation S($c: String!) { applyCoupon(code: $c) { totalCents } }","variables":{"c":"VIP30"}}]`,
			batch: true,
			want:  []field{{Elem: 0, Alias: "applyCoupon", Op: "MUTATION applyCoupon", Coupon: "SAVE10"}, {Elem: 1, Alias: "applyCoupon", Op: "MUTATION applyCoupon", Coupon: "VIP30"}}},
		{name: "fragments at the top level",
			body: `{"query":"query { ...F ... on Query { b: user(id: 9) { id } } } fragment F on Query { a: user(id: 8) { id } }"}`,
			want: []field{{Alias: "a", Op: "QUERY user", ObjectID: "8"}, {Alias: "b", Op: "QUERY user", ObjectID: "9"}}},
		{name: "operation chosen by name",
			body: `{"query":"query A { me { id } } query B { x: user(id: 5) { id } }","operationName":"B"}`,
			want: []field{{Alias: "x", Op: "QUERY user", ObjectID: "5"}}},
		{name: "introspection and unknown fields are no operations",
			body: `{"query":"{ __schema { types { name } } __typename nope { id } }"}`},
		{name: "a query field is not a mutation", body: `{"query":"mutation { user(id: 1) { id } }"}`},
		{name: "malformed document", body: `{"query":"{ user(id: "}`, malformed: 1},
		{name: "two operations, no name", body: `{"query":"query A { me { id } } query B { me { id } }"}`, malformed: 1},
		{name: "bad variables", body: `{"query":"{ me { id } }","variables":[1]}`, malformed: 1},
		{name: "malformed element of a batch",
			body:  `[{"query":"{"},{"query":"{ r: user(id: 4) { id } }"}]`,
			batch: true, malformed: 1,
			want: []field{{Elem: 1, Alias: "r", Op: "QUERY user", ObjectID: "4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payloads, batch, err := decodePayloads([]byte(tt.body))
			require.NoError(t, err)
			q := resolveGraphQL(rt, &docCache{}, payloads, batch)
			var got []field
			for _, f := range q.fields {
				got = append(got, field{Elem: f.elem, Alias: f.alias, Op: f.op.Key(), ObjectID: f.objectID, Username: f.username, Coupon: f.coupon})
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.batch, q.batch)
			assert.Equal(t, tt.malformed, q.malformed)
		})
	}
}

func TestDecodePayloadsRejectsNonGraphQL(t *testing.T) {
	for _, body := range []string{``, `"query"`, `{"query": 3}`, `[1,2]`, `{`} {
		_, _, err := decodePayloads([]byte(body))
		assert.ErrorIs(t, err, errNotGraphQL, body)
	}
}

func TestFieldStatuses(t *testing.T) {
	rt := monitor.NewRouter(shopGraphQL(t))
	login, _ := rt.Field("MUTATION", "login")
	user, _ := rt.Field("QUERY", "user")
	coupon, _ := rt.Field("MUTATION", "applyCoupon")
	q := &gqlRequest{fields: []gqlField{
		{alias: "a0", op: login.Op, username: "ann"},
		{alias: "a1", op: login.Op, username: "bob"},
		{alias: "r1", op: user.Op, objectID: "1"},
		{alias: "r2", op: user.Op, objectID: "2"},
		{alias: "r3", op: user.Op, objectID: "3"},
		{alias: "c", op: coupon.Op},
	}}
	body := `{"data":{"a0":{"token":"t-ann"},"a1":null,"r1":{"id":"1"},"r2":null,"r3":null,"c":null},
	  "errors":[{"message":"invalid credentials","path":["a1"],"extensions":{"code":"UNAUTHENTICATED","status":401}},
	            {"message":"not found","path":["r2"],"extensions":{"status":404}},
	            {"message":"no such code","path":["c","code"],"extensions":{"code":"BAD_USER_INPUT"}}]}`
	got, answers := fieldStatuses(q, []byte(body), 200)
	assert.Equal(t, []int{200, 401, 200, 404, 404, 400}, got, "r3: null without an error is a missing object")
	require.Len(t, answers, 1)

	t.Run("document error", func(t *testing.T) {
		got, _ := fieldStatuses(q, []byte(`{"errors":[{"message":"Cannot query field"}]}`), 200)
		assert.Equal(t, repeat(400, 6), got)
	})
	t.Run("http status wins", func(t *testing.T) {
		got, _ := fieldStatuses(q, []byte(body), 502)
		assert.Equal(t, repeat(502, 6), got)
	})
	t.Run("unreadable answer", func(t *testing.T) {
		got, _ := fieldStatuses(q, []byte(`<html>`), 200)
		assert.Equal(t, repeat(200, 6), got)
	})
	t.Run("batch", func(t *testing.T) {
		bq := &gqlRequest{batch: true, fields: []gqlField{{elem: 0, alias: "login", op: login.Op}, {elem: 1, alias: "login", op: login.Op}, {elem: 2, alias: "login", op: login.Op}}}
		got, _ := fieldStatuses(bq, []byte(`[{"data":{"login":null},"errors":[{"path":["login"]}]},{"data":{"login":{"token":"x"}}}]`), 200)
		assert.Equal(t, []int{401, 200, 200}, got, "the login role says what an error without extensions means; a missing answer keeps the HTTP status")
	})
}

func TestTokenPath(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{[]string{"expiresIn", "token", "userId"}, "token"},
		{[]string{"customerAccessToken.accessToken", "customerUserErrors[].message"}, "customerAccessToken.accessToken"},
		{nil, "token"},
	} {
		assert.Equal(t, tt.want, tokenPath(&scenarios.Operation{ResponseFields: tt.fields}))
	}
}

// FuzzResolveGraphQL: whatever the body and the answer, reading them
// never panics and never makes more fields than the bound.
func FuzzResolveGraphQL(f *testing.F) {
	f.Add([]byte(`{"query":"mutation { a: login(username: \"u\", password: \"p\") { token } }"}`), []byte(`{"data":{"a":null},"errors":[{"path":["a"]}]}`))
	f.Add([]byte(`[{"query":"{ ...F } fragment F on Query { ...F }"}]`), []byte(`[]`))
	f.Add([]byte(`{"query":"query($v: ID) { user(id: $v) { id } }","variables":{"v":{"x":[1]}}}`), []byte(`{"data":null}`))
	rt := monitor.NewRouter(shopGraphQL(f))
	f.Fuzz(func(t *testing.T, body, answer []byte) {
		payloads, batch, err := decodePayloads(body)
		if err != nil {
			return
		}
		q := resolveGraphQL(rt, &docCache{}, payloads, batch)
		if len(q.fields) > gqlMaxFields {
			t.Fatalf("%d fields", len(q.fields))
		}
		st, _ := fieldStatuses(&q, answer, 200)
		if len(st) != len(q.fields) {
			t.Fatalf("%d statuses for %d fields", len(st), len(q.fields))
		}
		_ = json.Valid(answer)
	})
}

func TestDocCacheIsBounded(t *testing.T) {
	var c docCache
	a, err := c.parse("{ me { id } }")
	require.NoError(t, err)
	b, err := c.parse("{ me { id } }")
	require.NoError(t, err)
	assert.Same(t, a, b, "parsed once")
	for i := range docCacheEntries + 10 {
		_, err := c.parse(fmt.Sprintf("{ u%d: user(id: %d) { id } }", i, i))
		require.NoError(t, err)
	}
	assert.Len(t, c.m, docCacheEntries)
	_, err = c.parse("{ user(id: ")
	assert.Error(t, err)
	assert.Len(t, c.m, docCacheEntries, "errors are not kept")
}
