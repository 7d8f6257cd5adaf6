package demoshop

import (
	"math"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestListProducts(t *testing.T) {
	ts := start(t, New(Options{Seed: 5}))
	huge := strconv.Itoa(math.MaxInt)

	tests := []struct {
		name           string
		query          string
		page, limit, n int
		firstID        int64
	}{
		{"defaults", "", 1, 20, 20, 1},
		{"second page", "?page=2&limit=50", 2, 50, 50, 51},
		{"last partial page", "?page=3&limit=750", 3, 750, 500, 1501},
		{"past the end", "?page=99&limit=50", 99, 50, 0, 0},
		{"oversized limit returns the whole catalog", "?limit=100000", 1, 100000, DefaultProducts, 1},
		{"limit near MaxInt", "?page=2&limit=" + huge, 2, math.MaxInt, 0, 0},
		{"page near MaxInt", "?page=" + huge + "&limit=2", math.MaxInt, 2, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := callJSON[productPage](t, ts, http.StatusOK, http.MethodGet, "/products"+tc.query, "", nil)
			assert.Equal(t, tc.page, got.Page)
			assert.Equal(t, tc.limit, got.Limit)
			assert.Equal(t, DefaultProducts, got.Total)
			assert.Len(t, got.Items, tc.n)
			assert.NotNil(t, got.Items, "items is [] when empty, not null")
			if tc.n > 0 {
				assert.Equal(t, tc.firstID, got.Items[0].ID)
			}
		})
	}
}

func TestListProductsBadQuery(t *testing.T) {
	ts := start(t, New(Options{Seed: 5}))
	for _, q := range []string{"?page=0", "?limit=-1", "?limit=ten", "?page=1.5"} {
		t.Run(q, func(t *testing.T) {
			got := callJSON[errorBody](t, ts, http.StatusBadRequest, http.MethodGet, "/products"+q, "", nil)
			assert.NotEmpty(t, got.Error)
		})
	}
}

func TestGetProduct(t *testing.T) {
	ts := start(t, New(Options{Seed: 5, Products: 10}))
	assert.Equal(t, 10, ts.Products())

	p := callJSON[Product](t, ts, http.StatusOK, http.MethodGet, "/products/3", "", nil)
	assert.Equal(t, int64(3), p.ID)
	assert.NotEmpty(t, p.Name)
	assert.Positive(t, p.PriceCents)

	callJSON[errorBody](t, ts, http.StatusNotFound, http.MethodGet, "/products/11", "", nil)
	callJSON[errorBody](t, ts, http.StatusBadRequest, http.MethodGet, "/products/x", "", nil)
}
