package demoshop

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The catalog's pages and products are written from encodings made once;
// they must be the bytes the JSON encoder writes for them, over the
// network too.
func TestProductPagesAreTheEncodersBytes(t *testing.T) {
	shop := New(Options{Seed: 7, Products: 45})
	shop.products[3].Name = `<b>&"quoted"</b> ü` // HTML escaping and quoting as the encoder does
	shop.productJSON = encodeProducts(shop.products)
	ts := start(t, shop)
	encoded := func(v any) string {
		var b bytes.Buffer
		require.NoError(t, json.NewEncoder(&b).Encode(v))
		return b.String()
	}
	for _, tt := range []struct{ page, limit int }{{1, 20}, {2, 20}, {3, 20}, {4, 20}, {1, 1}, {1, 45}, {1, 1000}, {9, 5}, {10, 5}} {
		t.Run(strconv.Itoa(tt.page)+"x"+strconv.Itoa(tt.limit), func(t *testing.T) {
			items := []Product{}
			if start := (tt.page - 1) * tt.limit; start < len(shop.products) {
				items = shop.products[start:min(start+tt.limit, len(shop.products))]
			}
			status, body := ts.call(t, http.MethodGet, "/products?page="+strconv.Itoa(tt.page)+"&limit="+strconv.Itoa(tt.limit), "", nil)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, encoded(productPage{Items: items, Page: tt.page, Limit: tt.limit, Total: len(shop.products)}), string(body))
		})
	}
	for _, id := range []int{1, 4, 45} {
		status, body := ts.call(t, http.MethodGet, "/products/"+strconv.Itoa(id), "", nil)
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, encoded(shop.products[id-1]), string(body))
	}
	status, _ := ts.call(t, http.MethodGet, "/products/46", "", nil)
	assert.Equal(t, http.StatusNotFound, status)
}
