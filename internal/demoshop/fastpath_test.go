package demoshop

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyStrings are strings the encoder escapes, or not.
var trickyStrings = []string{
	"", "plain", `quo"te`, `back\slash`, "<b>&amp;</b>", "tab\tnew\nline\x00\x1f", "del\x7f",
	"ü é 日本", "line\u2028sep\u2029", "bad\xffutf8\xc3", "emoji 🛒", "/slash/",
}

// The answers written by hand are the encoder's bytes.
func TestAppendJSONIsTheEncodersBytes(t *testing.T) {
	var values []any
	for i, s := range trickyStrings {
		n := int64(i*7919 - 3)
		values = append(values,
			&User{ID: n, Name: s, Email: s + "@example.com", Address: s, Username: s, Password: s},
			loginResponse{Token: s, UserID: n, ExpiresIn: TokenTTL},
			errorBody{Error: s},
			orderView{OrderID: n, SubtotalCents: -n, DiscountCents: 0, TotalCents: 1 << 62},
			cartView{
				Items:         []cartItemView{{ProductID: n, Name: s, UnitPriceCents: 99, Quantity: 2, LineCents: 198}, {Name: "x"}},
				SubtotalCents: n, DiscountCents: 5, TotalCents: n - 5,
				Discounts: []discountView{{Code: s, Kind: PercentOff, Value: 10, DiscountCents: 5}, {Code: "X", Kind: CouponKind(7)}},
			},
		)
	}
	values = append(values, cartView{Items: []cartItemView{}, Discounts: []discountView{}}, cartView{},
		signupResponse{UserID: 3, Username: "<x>"}, map[string]any{"a": 1})
	for _, v := range values {
		var want bytes.Buffer
		require.NoError(t, json.NewEncoder(&want).Encode(v))
		rec := httptest.NewRecorder()
		writeJSON(rec, http.StatusTeapot, v)
		assert.Equal(t, want.String(), rec.Body.String())
		assert.Equal(t, http.StatusTeapot, rec.Code)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendString([]byte("x"), s)[1:]))
	})
}

var cartBodies = []string{
	`{"product_id":3,"quantity":1}`, `{"product_id":0,"quantity":0}`, `{"product_id":2000,"quantity":10000}`,
	`{"product_id":123456789012345678,"quantity":1}`, `{"product_id":1234567890123456789,"quantity":1}`,
	`{"product_id":12345678901234567890,"quantity":1}`, `{"product_id":01,"quantity":1}`,
	`{"product_id":-1,"quantity":1}`, `{"product_id":1.5,"quantity":1}`, `{"product_id":1e2,"quantity":1}`,
	`{"product_id":3,"quantity":1} trailing`, `{"product_id":3,"quantity":1}{"product_id":4}`,
	`{"quantity":2,"product_id":5}`, `{"Product_ID":5,"quantity":2}`, ` {"product_id":3,"quantity":1}`,
	`{"product_id":3, "quantity":1}`, `{"product_id":"3","quantity":1}`, `{"product_id":3,"quantity":1`,
	`{"product_id":3,"quantity":`, `{"product_id":`, `{`, ``, `null`, `[]`, `{"product_id":3}`,
	`{"product_id":3,"quantity":1,"x":[` + strings.Repeat(`"pad",`, 30) + `1]}`,
	`{"product_id":3,"quantity":1` + strings.Repeat(" ", 100) + `}`,
}

// decodeCartItem decides as decodeJSON does, and answers the same.
func TestDecodeCartItemAsTheDecoder(t *testing.T) {
	for _, body := range cartBodies {
		checkCartBody(t, body)
	}
	checkCartBody(t, `{"product_id":1,"quantity":1,"pad":"`+strings.Repeat("x", maxBody)+`"}`) // too large
}

func FuzzDecodeCartItem(f *testing.F) {
	for _, b := range cartBodies {
		f.Add(b)
	}
	f.Fuzz(checkCartBody)
}

func checkCartBody(t *testing.T, body string) {
	t.Helper()
	shop := &Shop{}
	wantRec, gotRec := httptest.NewRecorder(), httptest.NewRecorder()
	var want addItemRequest
	wantOK := decodeJSON(wantRec, httptest.NewRequest(http.MethodPost, "/cart/items", strings.NewReader(body)), &want)
	got, gotOK := shop.decodeCartItem(gotRec, httptest.NewRequest(http.MethodPost, "/cart/items", strings.NewReader(body)))
	assert.Equal(t, wantOK, gotOK, body)
	assert.Equal(t, want, got, body)
	assert.Equal(t, wantRec.Code, gotRec.Code, body)
	assert.Equal(t, wantRec.Body.String(), gotRec.Body.String(), body)
}

// A client that sends a cart line and keeps its body open is answered,
// as the decoder answers it: the shop reads nothing past the brace.
func TestDecodeCartItemReadsNoFurther(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`{"product_id":7,`))
		_, _ = pw.Write([]byte(`"quantity":2}`))
	}()
	req := httptest.NewRequest(http.MethodPost, "/cart/items", pr)
	got, ok := (&Shop{}).decodeCartItem(httptest.NewRecorder(), req)
	require.True(t, ok)
	assert.Equal(t, addItemRequest{ProductID: 7, Quantity: 2}, got)
	pw.Close()
}

var queries = []string{
	"", "page=3&limit=20", "limit=20&page=3", "page=&limit=5", "page&limit=5", "page=1&page=2", "&&page=4&",
	"page=1=2", "Page=3", "page=%33", "page=3+4", "page=3;limit=2", "limit=2;x&page=9", "page=%zz&page=5",
	"a=1&" + strings.Repeat("x=1&", 70) + "page=6",
}

// queryValue reads what net/url reads.
func TestQueryValueAsNetURL(t *testing.T) {
	for _, q := range queries {
		checkQuery(t, q)
	}
}

func FuzzQueryValue(f *testing.F) {
	for _, q := range queries {
		f.Add(q)
	}
	f.Fuzz(checkQuery)
}

func checkQuery(t *testing.T, q string) {
	t.Helper()
	r := &http.Request{URL: &url.URL{Path: "/products", RawQuery: q}}
	for _, name := range []string{"page", "limit"} {
		assert.Equal(t, r.URL.Query().Get(name), (&Shop{}).queryValue(r, name), "%s in %q", name, q)
	}
}
