package demoshop

import (
	"net/http"
	"strconv"
)

// Default page of GET /products. There is deliberately no maximum limit:
// one request can pull the whole catalog (unrestricted resource use).
const (
	defaultPage  = 1
	defaultLimit = 20
)

// Product is a catalog item; the catalog is what a scraping scenario takes.
type Product struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
}

type productPage struct {
	Items []Product `json:"items"`
	Page  int       `json:"page"`
	Limit int       `json:"limit"`
	Total int       `json:"total"`
}

// listProducts pages through the catalog without authentication and
// without a cap on limit, on purpose.
func (s *Shop) listProducts(w http.ResponseWriter, r *http.Request) {
	page, ok := queryInt(w, r, "page", defaultPage)
	if !ok {
		return
	}
	limit, ok := queryInt(w, r, "limit", defaultLimit)
	if !ok {
		return
	}
	total := len(s.products)
	items := []Product{}
	// (page-1)*limit may overflow for huge values; compare by division.
	if total > 0 && page-1 <= (total-1)/limit {
		start := (page - 1) * limit
		end := start + min(limit, total-start)
		items = s.products[start:end]
	}
	writeJSON(w, http.StatusOK, productPage{Items: items, Page: page, Limit: limit, Total: total})
}

func (s *Shop) getProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, ok := s.product(id)
	if !ok {
		writeError(w, http.StatusNotFound, "product not found")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Shop) product(id int64) (Product, bool) {
	if id < 1 || id > int64(len(s.products)) {
		return Product{}, false
	}
	return s.products[id-1], true
}

// queryInt reads a positive integer query parameter, answering 400 itself
// when it is malformed.
func queryInt(w http.ResponseWriter, r *http.Request, name string, def int) (int, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, name+" must be a positive integer")
		return 0, false
	}
	return n, true
}
