package demoshop

import (
	"encoding/json"
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
	page, ok := queryInt(w, s.queryValue(r, "page"), "page", defaultPage)
	if !ok {
		return
	}
	limit, ok := queryInt(w, s.queryValue(r, "limit"), "limit", defaultLimit)
	if !ok {
		return
	}
	total := len(s.products)
	start, end := 0, 0
	// (page-1)*limit may overflow for huge values; compare by division.
	if total > 0 && page-1 <= (total-1)/limit {
		start = (page - 1) * limit
		end = start + min(limit, total-start)
	}
	// The bytes writeJSON would write for productPage{s.products[start:end],
	// page, limit, total}, from the products' encodings made once
	// (TestProductPagesAreTheEncodersBytes).
	b := make([]byte, 0, 64+(end-start)*72)
	b = append(b, `{"items":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = append(b, s.productJSON[i]...)
	}
	b = append(b, `],"page":`...)
	b = strconv.AppendInt(b, int64(page), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	writeRawJSON(w, http.StatusOK, append(b, "}\n"...))
}

// encodeProducts is every product as writeJSON's encoder writes it, made
// once: the catalog is read-only, and encoding pages of it by reflection
// was most of the shop's CPU in a simulated day of scraping and browsing.
func encodeProducts(ps []Product) [][]byte {
	out := make([][]byte, len(ps))
	for i, p := range ps {
		out[i], _ = json.Marshal(p) // a Product (ints and a string) always encodes
	}
	return out
}

// writeRawJSON answers with b, JSON already encoded, as writeJSON does.
func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client is gone if this fails
}

func (s *Shop) getProduct(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, ok := s.product(id); !ok {
		writeError(w, http.StatusNotFound, "product not found")
		return
	}
	enc := s.productJSON[id-1]
	b := make([]byte, len(enc)+1)
	copy(b, enc)
	b[len(enc)] = '\n'
	writeRawJSON(w, http.StatusOK, b)
}

func (s *Shop) product(id int64) (Product, bool) {
	if id < 1 || id > int64(len(s.products)) {
		return Product{}, false
	}
	return s.products[id-1], true
}

// queryInt reads a positive integer query parameter, raw, answering 400
// itself when it is malformed.
func queryInt(w http.ResponseWriter, raw, name string, def int) (int, bool) {
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
