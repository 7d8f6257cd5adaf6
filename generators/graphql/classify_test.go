package graphql

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func op(t *testing.T, s scenarios.Surface, key string) *scenarios.Operation {
	t.Helper()
	for i := range s.Operations {
		if s.Operations[i].Key() == key {
			return &s.Operations[i]
		}
	}
	require.Failf(t, "operation not found", "%s in %d operations", key, len(s.Operations))
	return &scenarios.Operation{}
}

func roleNames(o *scenarios.Operation) []string {
	var out []string
	for _, r := range o.Roles {
		out = append(out, r.Role.String())
	}
	return out
}

const shopSDL = `
type Query {
  user(id: Int!): User @authenticated
  users(offset: Int, "at most 100" limit: Int): [User!]!
  orders(first: Int, after: String): OrderConnection!
  products(page: Int, limit: Int): ProductPage!
  productBySlug(slug: String!): Product
  searchProducts(text: String!): [Product!]!
  exportOrders(format: String): String
  me: User
}
type Mutation {
  login(username: String!, password: String!): AuthPayload!
  signIn(input: SignInInput!): AuthPayload!
  register(email: String!, password: String!): User!
  requestPasswordReset(email: String!): Boolean!
  verifyOtp(code: String!): AuthPayload!
  applyPromoCode(cartId: ID!, code: String!): Cart!
  addToCart(productId: Int!, quantity: Int): Cart!
  placeOrder(cartId: ID!): Order!
  deleteUser(id: ID!): Boolean!
  impersonateUser(userId: ID!): AuthPayload!
}
directive @authenticated on FIELD_DEFINITION
input SignInInput { email: String!, password: String! }
type AuthPayload { token: String!, user: User }
type User { id: Int!, email: String!, address: String }
type Product { id: Int!, name: String! }
type ProductPage { items: [Product!]!, total: Int! }
type Cart { id: ID!, total: Int! }
type Order { id: ID!, total: Int! }
type OrderEdge { node: Order!, cursor: String! }
type PageInfo { hasNextPage: Boolean! }
type OrderConnection { edges: [OrderEdge!]!, pageInfo: PageInfo! }
`

func TestClassify(t *testing.T) {
	s, warns, err := Load(Options{Endpoint: "/api/graphql"}, sdl("shop.graphql", shopSDL))
	require.NoError(t, err)
	require.Empty(t, warns)
	tests := []struct {
		key   string
		roles []string
		sens  scenarios.Sensitivity
	}{
		{"QUERY user", []string{"object-read"}, scenarios.SensitivityHigh},
		{"QUERY users", []string{"collection"}, scenarios.SensitivityHigh},
		{"QUERY orders", []string{"collection"}, scenarios.SensitivityMedium},
		{"QUERY products", []string{"collection"}, scenarios.SensitivityMedium},
		{"QUERY productBySlug", []string{"object-read"}, scenarios.SensitivityMedium},
		{"QUERY searchProducts", []string{"search", "collection"}, scenarios.SensitivityMedium},
		{"QUERY exportOrders", []string{"export"}, scenarios.SensitivityHigh},
		{"QUERY me", nil, scenarios.SensitivityMedium},
		{"MUTATION login", []string{"login"}, scenarios.SensitivityHigh},
		{"MUTATION signIn", []string{"login"}, scenarios.SensitivityHigh},
		{"MUTATION register", []string{"signup"}, scenarios.SensitivityHigh},
		{"MUTATION requestPasswordReset", []string{"password-reset"}, scenarios.SensitivityHigh},
		{"MUTATION verifyOtp", []string{"password-reset"}, scenarios.SensitivityHigh},
		{"MUTATION applyPromoCode", []string{"coupon", "object-write"}, scenarios.SensitivityHigh},
		{"MUTATION addToCart", []string{"cart", "object-write"}, scenarios.SensitivityMedium},
		{"MUTATION placeOrder", []string{"checkout", "object-write"}, scenarios.SensitivityHigh},
		{"MUTATION deleteUser", []string{"object-write"}, scenarios.SensitivityHigh},
		{"MUTATION impersonateUser", []string{"admin", "object-write"}, scenarios.SensitivityHigh},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			o := op(t, s, tt.key)
			assert.Equal(t, tt.roles, roleNames(o), "%+v", o.Roles)
			assert.Equal(t, tt.sens, o.Sensitivity)
			assert.Equal(t, "/api/graphql", o.Endpoint)
			assert.Equal(t, scenarios.GraphQL, o.Protocol)
			for _, r := range o.Roles {
				assert.NotEmpty(t, r.Evidence)
				assert.Greater(t, r.Confidence, 0.0)
			}
		})
	}

	user := op(t, s, "QUERY user")
	assert.True(t, user.Auth, "@authenticated marks the field")
	assert.False(t, op(t, s, "QUERY me").Auth)
	id, ok := user.ObjectID()
	require.True(t, ok)
	assert.Equal(t, scenarios.IDInteger, id.IDKind)
	assert.Equal(t, "Int!", id.DeclaredType)
	assert.Equal(t, scenarios.InArgument, id.In)
	assert.Equal(t, scenarios.Location{File: "shop.graphql", Line: 3, Column: 8}, id.Loc)
	assert.Equal(t, scenarios.Location{File: "shop.graphql", Line: 3, Column: 3}, user.Loc)
	assert.Equal(t, 0.9, user.Roles[0].Confidence, "integer ids are predictable")
	assert.Equal(t, []string{"address", "email", "id"}, user.ResponseFields)

	slug, ok := op(t, s, "QUERY productBySlug").ObjectID()
	require.True(t, ok)
	assert.Equal(t, scenarios.IDSlug, slug.IDKind)

	pages := map[string]scenarios.Pagination{
		"QUERY users":    {Style: scenarios.PageOffset, SizeParam: "limit", MaxSize: 100},
		"QUERY orders":   {Style: scenarios.PageCursor, SizeParam: "first"},
		"QUERY products": {Style: scenarios.PageNumber, SizeParam: "limit"},
	}
	for key, want := range pages {
		got := op(t, s, key).Pagination
		require.NotNil(t, got, key)
		assert.Equal(t, want, *got, key)
	}
	assert.Contains(t, op(t, s, "QUERY orders").ResponseFields, "edges[].node.total")

	signIn := op(t, s, "MUTATION signIn")
	pw, ok := signIn.Param(scenarios.InArgument, "input.password")
	require.True(t, ok)
	assert.Equal(t, scenarios.ParamPassword, pw.Role)
	assert.True(t, pw.Required)
	assert.Contains(t, signIn.Roles[0].Evidence, "returns token")
	assert.Equal(t, 0.95, signIn.Roles[0].Confidence)

	code, ok := op(t, s, "MUTATION applyPromoCode").Param(scenarios.InArgument, "code")
	require.True(t, ok)
	assert.Equal(t, scenarios.ParamCoupon, code.Role)
}

const abuseSDL = `
type Query {
  products(limit: Int): [Product!]! @abuse(maxPageSize: 50, rateLimit: "10/second")
  product(id: ID!): Product @abuse(roles: [], sensitivity: "low")
}
type Mutation {
  addItem(sku: String!): Boolean!
  redeem(token: String!): Boolean! @abuse(roles: ["coupon"], oneCouponPerOrder: true, requiresPrevious: ["addItem"])
  pay(cart: String!): Boolean! @abuse(roles: ["checkout", "teleport"], sensitivity: "extreme", requires: ["MUTATION addItem", "nothing"], rateLimit: "often")
}
type Product { id: ID! }
`

func TestAbuseDirective(t *testing.T) {
	s, warns, err := Load(Options{}, sdl("abuse.graphql", abuseSDL))
	require.NoError(t, err)

	products := op(t, s, "QUERY products")
	assert.Equal(t, scenarios.Rules{MaxPageSize: 50, RateLimit: "10/second"}, products.Rules)
	require.NotNil(t, products.Pagination)
	assert.Equal(t, 50, products.Pagination.MaxSize)

	product := op(t, s, "QUERY product")
	assert.Empty(t, product.Roles, "roles: [] silences the heuristics")
	assert.Equal(t, scenarios.SensitivityLow, product.Sensitivity)

	redeem := op(t, s, "MUTATION redeem")
	assert.Equal(t, []string{"coupon"}, roleNames(redeem))
	assert.Equal(t, 1.0, redeem.Roles[0].Confidence)
	assert.Equal(t, "@abuse directive at abuse.graphql:8:37", redeem.Roles[0].Evidence)
	assert.True(t, redeem.Rules.OneCouponPerOrder)
	assert.Equal(t, []string{"MUTATION addItem"}, redeem.Rules.RequiresPrevious)
	assert.Equal(t, scenarios.SensitivityHigh, redeem.Sensitivity, "recomputed from the stated roles")

	pay := op(t, s, "MUTATION pay")
	assert.Equal(t, []string{"checkout"}, roleNames(pay))
	assert.Equal(t, []string{"MUTATION addItem", "nothing"}, pay.Rules.RequiresPrevious)

	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, w.String())
	}
	assert.Equal(t, []string{
		`abuse.graphql:9:33: @abuse on MUTATION pay: unknown role "teleport" (known: object-read, object-write, collection, login, signup, password-reset, coupon, cart, checkout, search, export, admin)`,
		`abuse.graphql:9:33: @abuse on MUTATION pay: sensitivity "extreme" is not low, medium or high`,
		`abuse.graphql:9:33: @abuse on MUTATION pay: requiresPrevious names "nothing", which is no query or mutation field of this schema`,
		`abuse.graphql:9:33: @abuse on MUTATION pay: rateLimit "often" is not N/second, N/minute, N/hour or N/day`,
	}, msgs)
}

// TestAbuseDeclaredBySchema: a schema served by a real server declares
// @abuse itself; the adapter must not declare it twice.
func TestAbuseDeclaredBySchema(t *testing.T) {
	s, warns, err := Load(Options{}, sdl("own.graphql", AbuseDirective+"type Query { a(limit: Int): [Int] @abuse(maxPageSize: 5) }\n"))
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, 5, op(t, s, "QUERY a").Rules.MaxPageSize)
}

func TestSeveralFiles(t *testing.T) {
	s, warns, err := Load(Options{},
		sdl("base.graphql", "type Query { me: User }\ntype User { id: ID! }\n"),
		sdl("auth.graphql", "extend type Query { user(id: ID!): User }\ntype Mutation { login(email: String!, password: String!): Session }\ntype Session { token: String! }\n"),
	)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Len(t, s.Operations, 3)
	assert.Equal(t, "auth.graphql", op(t, s, "QUERY user").Loc.File)
	assert.Equal(t, []string{"login"}, roleNames(op(t, s, "MUTATION login")))
	assert.Equal(t, "base.graphql", s.Source)
}

func TestIntrospectionShapes(t *testing.T) {
	path := sharedSpec(t, "shopify-storefront.introspection.json")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(data[:20]), `"__schema"`, "the corpus file is a bare __schema result")
	wrapped := append(append([]byte(`{"data": `), data...), '}')

	a, _, err := Load(Options{}, Source{Name: "x.json", Data: data})
	require.NoError(t, err)
	b, _, err := Load(Options{}, Source{Name: "x.json", Data: wrapped})
	require.NoError(t, err)
	assert.Equal(t, len(a.Operations), len(b.Operations), "bare and wrapped __schema load the same")

	login := op(t, a, "MUTATION customerAccessTokenCreate")
	assert.Equal(t, []string{"login"}, roleNames(login))
	assert.Greater(t, login.Loc.Column, 1, "position points into the one-line JSON")
	off := login.Loc.Column - 1
	assert.Equal(t, `"customerAccessTokenCreate"`, string(data[off:off+len(`"customerAccessTokenCreate"`)]))
	assert.True(t, op(t, a, "QUERY productByHandle").Deprecated)
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"schema.graphql", "type Query { a: Int }", true},
		{"schema.GQL", "", true},
		{"introspection.json", `{"data": {"__schema": {}}}`, true},
		{"openapi.json", `{"openapi": "3.0.0"}`, false},
		{"openapi.yaml", "openapi: 3.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Detect(tt.name, []byte(tt.data)))
		})
	}
}
