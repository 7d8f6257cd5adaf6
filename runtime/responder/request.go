package responder

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// maxRequestBody bounds what the responder reads of a request body.
const maxRequestBody = 1 << 20

// input is what a request carries: its body's top-level fields (JSON or
// form) and its query.
type input struct {
	fields map[string]any
	query  url.Values
}

func readInput(r *http.Request) input {
	in := input{query: r.URL.Query(), fields: map[string]any{}}
	if r.Body == nil {
		return in
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil || len(data) == 0 {
		return in
	}
	if strings.Contains(r.Header.Get("Content-Type"), "form") {
		if form, err := url.ParseQuery(string(data)); err == nil {
			for k, v := range form {
				in.fields[k] = v[0]
			}
		}
		return in
	}
	if json.Unmarshal(data, &in.fields) != nil {
		// A list of objects (POST /users/createWithList) is read by its
		// first element; any other body has no fields.
		var list []map[string]any
		if json.Unmarshal(data, &list) == nil && len(list) > 0 && list[0] != nil {
			in.fields = list[0]
		}
	}
	return in
}

// text returns the first of names found in the body, then in the query.
func (in input) text(names ...string) string {
	for _, n := range names {
		switch v := in.fields[n].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	for _, n := range names {
		if v := in.query.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// byRole names the operation's parameters playing role, then the usual
// names for it.
func byRole(op *scenarios.Operation, role scenarios.ParamRole, usual ...string) []string {
	var out []string
	if op == nil {
		return usual
	}
	for _, p := range op.Params {
		if p.Role == role {
			out = append(out, p.Name)
		}
	}
	return append(out, usual...)
}

// Field names the responder reads and writes by convention.
var (
	usernameNames = []string{"username", "email", "login", "user", "userName"}
	passwordNames = []string{"password", "pass", "passwd"}
	couponNames   = []string{"code", "coupon", "coupon_code", "couponCode", "promo_code", "promoCode", "voucher"}
	quantityNames = []string{"quantity", "qty", "count", "units", "amount"}
	productNames  = []string{"product_id", "productId", "item_id", "itemId", "sku", "id"}
	tokenNames    = []string{"token", "access_token", "accessToken", "jwt", "id_token"}
	userIDNames   = []string{"user_id", "userId", "id"}
	discountNames = []string{"discount_cents", "discount", "discount_amount", "total_discount", "discountCents"}
	subtotalNames = []string{"subtotal_cents", "subtotal", "subtotalCents"}
	totalNames    = []string{"total_cents", "total", "totalCents", "amount_cents"}
	countNames    = []string{"total_count", "totalCount", "total", "count", "total_items", "totalItems"}
	nextNames     = []string{"next_cursor", "nextCursor", "cursor", "next"}
	moreNames     = []string{"has_more", "hasMore", "has_next", "hasNext"}
	sizeNames     = []string{"limit", "per_page", "page_size", "pageSize", "size", "first", "last", "take"}
	listNames     = []string{"items", "data", "results", "records", "content", "list", "entries", "nodes"}
)
