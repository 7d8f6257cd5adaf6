package demoshop

import (
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(Spec())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()))
	return doc
}

func TestSpecValidates(t *testing.T) {
	doc := loadSpec(t)
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	require.NotEmpty(t, doc.Servers)
	assert.Equal(t, "http://127.0.0.1", doc.Servers[0].URL)
	assert.Contains(t, doc.Components.SecuritySchemes, "bearerAuth")
}

func TestSpecCopyInTestdata(t *testing.T) {
	copy, err := os.ReadFile("../../testdata/specs/demoshop.openapi.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(Spec()), string(copy),
		"testdata/specs/demoshop.openapi.yaml differs from openapi.yaml; copy it over")
}

// TestSpecCoversRoutes checks that the spec and the router agree both ways,
// and that authentication is documented where the handler enforces it.
func TestSpecCoversRoutes(t *testing.T) {
	doc := loadSpec(t)
	shop := New(Options{Users: 1, Products: 1})
	authed := map[string]bool{"/login": false, "/signup": false, "/products": false, "/products/{id}": false}

	served := 0
	for _, r := range shop.routes() {
		t.Run(r.pattern, func(t *testing.T) {
			item := doc.Paths.Value(r.path)
			require.NotNil(t, item, "path %s is not in the spec", r.path)
			op := item.GetOperation(r.method)
			require.NotNil(t, op, "%s is not in the spec", r.pattern)
			assert.NotEmpty(t, op.OperationID)
			assert.Contains(t, op.Responses.Map(), "200")
			needsAuth, known := authed[r.path]
			wantAuth := !known || needsAuth
			assert.Equal(t, wantAuth, op.Security != nil && len(*op.Security) > 0, "security of %s", r.pattern)
			assert.Nil(t, op.Responses.Status(429), "429 is not documented")
		})
		served++
	}

	documented := 0
	for _, item := range doc.Paths.Map() {
		documented += len(item.Operations())
	}
	assert.Equal(t, served, documented, "the spec documents operations the shop does not serve")
}

func TestSpecOperationIDs(t *testing.T) {
	doc := loadSpec(t)
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	for _, id := range []string{"login", "getUser", "listProducts", "addCartItem", "applyCoupon", "checkout"} {
		assert.True(t, ids[id], "operationId %s", id)
	}
}

func TestSpecIsACopy(t *testing.T) {
	b := Spec()
	b[0] = 'X'
	assert.NotEqual(t, byte('X'), Spec()[0])
}
