package graphql

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// TestDemoshopSchema: the heuristics find the demoshop's flaws' surface in
// its GraphQL schema (the repo's copy, which the demoshop tests keep equal
// to the SDL it serves), without any @abuse hint.
func TestDemoshopSchema(t *testing.T) {
	s, warns, err := LoadFiles(Options{}, filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql"))
	require.NoError(t, err)
	require.Empty(t, warns)

	user := op(t, s, "QUERY user")
	assert.Equal(t, []string{"object-read"}, roleNames(user))
	assert.True(t, user.Auth, "@authenticated")
	assert.Equal(t, scenarios.SensitivityHigh, user.Sensitivity, "returns email and address")

	products := op(t, s, "QUERY products")
	assert.Equal(t, []string{"collection"}, roleNames(products))
	require.NotNil(t, products.Pagination)
	assert.Equal(t, scenarios.Pagination{Style: scenarios.PageNumber, SizeParam: "limit"}, *products.Pagination, "no documented maximum")

	login := op(t, s, "MUTATION login")
	assert.Equal(t, []string{"login"}, roleNames(login))
	assert.Equal(t, 0.95, login.Roles[0].Confidence)
	assert.Equal(t, []string{"coupon"}, roleNames(op(t, s, "MUTATION applyCoupon")))
	// addCartItem is also tagged object-write for its productId, which
	// names a catalog item rather than something the caller owns: a known
	// false positive of the id heuristic.
	assert.True(t, op(t, s, "MUTATION addCartItem").Has(scenarios.RoleCart))
	assert.Equal(t, []string{"checkout"}, roleNames(op(t, s, "MUTATION checkout")))

	var buf bytes.Buffer
	s.Source = "demoshop.graphql"
	require.NoError(t, WriteSummary(&buf, s, warns))
	golden(t, buf.Bytes())
}
