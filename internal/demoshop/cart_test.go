package demoshop

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const cartItems = "/cart/items"

func TestAddCartItem(t *testing.T) {
	ts := start(t, New(Options{Seed: 6}))
	token := ts.login(t, ts.Accounts()[0])
	p1, p2 := ts.products[0], ts.products[1]

	c := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1, Quantity: 2})
	c = callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1, Quantity: 1})
	c = callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 2})
	require.Len(t, c.Items, 2)
	assert.Equal(t, int64(3), c.Items[0].Quantity, "adding a product again adds to its line")
	assert.Equal(t, int64(1), c.Items[1].Quantity, "quantity defaults to 1")
	assert.Equal(t, 3*p1.PriceCents+p2.PriceCents, c.SubtotalCents)
	assert.Equal(t, c.SubtotalCents, c.TotalCents)
	assert.Empty(t, c.Discounts)

	other := ts.login(t, ts.Accounts()[1])
	assert.Empty(t, callJSON[cartView](t, ts, http.StatusOK, http.MethodGet, "/cart", other, nil).Items, "one cart per user")

	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"unknown product", addItemRequest{ProductID: 99999, Quantity: 1}, http.StatusNotFound},
		{"negative quantity", addItemRequest{ProductID: 1, Quantity: -1}, http.StatusBadRequest},
		{"huge quantity", addItemRequest{ProductID: 1, Quantity: maxQuantity + 1}, http.StatusBadRequest},
		{"malformed JSON", `{"product_id": "one"}`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := callJSON[errorBody](t, ts, tc.status, http.MethodPost, cartItems, token, tc.body)
			assert.NotEmpty(t, got.Error)
		})
	}
}

func TestCouponStacking(t *testing.T) {
	ts := start(t, New(Options{Seed: 7}))
	subtotal := 10 * ts.products[0].PriceCents // 990 .. 299990 cents

	tests := []struct {
		name  string
		codes []string
		want  int64 // raw discount before clamping
	}{
		{"two different codes stack", []string{"SPRING10", "SAVE5"}, subtotal/10 + 500},
		{"same code twice", []string{"SPRING10", "SPRING10"}, 2 * (subtotal / 10)},
		{"percent and amount, all different", []string{"FALL20", "TAKE10", "FREESHIP"}, subtotal/5 + 1000 + 599},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := ts.login(t, ts.Accounts()[i])
			callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1, Quantity: 10})
			var c cartView
			for _, code := range tc.codes {
				c = callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: code})
			}
			require.Len(t, c.Discounts, len(tc.codes), "every application is kept")
			assert.Equal(t, min(tc.want, subtotal), c.DiscountCents)
			assert.Equal(t, max(0, subtotal-tc.want), c.TotalCents)
		})
	}
}

func TestCouponErrors(t *testing.T) {
	ts := start(t, New(Options{Seed: 8}))
	token := ts.login(t, ts.Accounts()[0])
	apply := func(code string, status int) string {
		t.Helper()
		return callJSON[errorBody](t, ts, status, http.MethodPost, "/cart/coupons", token, couponRequest{Code: code}).Error
	}

	assert.Equal(t, "unknown coupon", apply("FREEMONEY", http.StatusNotFound))
	assert.Equal(t, "code is required", apply("", http.StatusBadRequest))
	assert.Equal(t, "cart is empty", apply("SPRING10", http.StatusConflict))

	callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1})
	for range 2 { // FLASH50 twice makes any cart free
		callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: "FLASH50"})
	}
	assert.Equal(t, "cart total is already zero", apply("SAVE5", http.StatusConflict),
		"applied one at a time, coupons stop once the total is zero")
}

// TestCouponRace fires concurrent applications of one code at one cart. The
// hook holds every request between check and write until all have passed
// the check, which makes the race deterministic: all are accepted, though
// one at a time the shop stops accepting once the total reaches zero.
func TestCouponRace(t *testing.T) {
	const n = 20
	shop := New(Options{Seed: 9})
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	shop.couponHook = func() {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(10 * time.Second): // only if the test is broken
		}
	}
	ts := start(t, shop)
	gift := ts.coupons["GIFT25"]
	price := ts.products[0].PriceCents
	sequential := int((price + gift.Value - 1) / gift.Value) // applications until the total is zero
	require.Less(t, sequential, n)

	token := ts.login(t, ts.Accounts()[0])
	callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1})

	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { statuses <- post(ts, "/cart/coupons", token, `{"code":"GIFT25"}`) })
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		assert.Equal(t, http.StatusOK, s)
	}

	c := callJSON[cartView](t, ts, http.StatusOK, http.MethodGet, "/cart", token, nil)
	require.Len(t, c.Discounts, n, "every concurrent application passed the stale check")
	var raw int64
	for _, d := range c.Discounts {
		raw += d.DiscountCents
	}
	assert.Greater(t, raw, gift.Discount(price), "more than one application's worth")
	assert.Greater(t, raw, int64(sequential)*gift.Value, "more than sequential requests can reach")
	assert.Zero(t, c.TotalCents)
}

// post sends a request from a goroutine that is not the test's, so it
// reports failures as status 0 instead of calling require.
func post(ts *testShop, path, token, body string) int {
	req, err := http.NewRequest(http.MethodPost, ts.srv.URL+path, bytes.NewBufferString(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestCouponLatency(t *testing.T) {
	ts := start(t, New(Options{Seed: 9, CouponLatency: time.Millisecond}))
	token := ts.login(t, ts.Accounts()[0])
	callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1})
	c := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: "SAVE5"})
	assert.Len(t, c.Discounts, 1)
}

// A single-use code is refused on a cart that has it, one request after
// the other; the race that gets past this check is the coupon-stacking
// kind's to show.
func TestSingleUseCoupon(t *testing.T) {
	ts := start(t, New(Options{Seed: 9}))
	token := ts.login(t, ts.Accounts()[0])
	callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 1})
	c := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: "FIRSTORDER"})
	assert.Len(t, c.Discounts, 1)
	got := callJSON[errorBody](t, ts, http.StatusConflict, http.MethodPost, "/cart/coupons", token, couponRequest{Code: "FIRSTORDER"})
	assert.Equal(t, "coupon already applied: it is single use", got.Error)
	c = callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: "SPRING10"})
	assert.Len(t, c.Discounts, 2, "other codes still stack")
}

func TestCheckout(t *testing.T) {
	ts := start(t, New(Options{Seed: 10}))
	token := ts.login(t, ts.Accounts()[0])

	got := callJSON[errorBody](t, ts, http.StatusConflict, http.MethodPost, "/checkout", token, nil)
	assert.Equal(t, "cart is empty", got.Error)

	t.Run("paid order", func(t *testing.T) {
		c := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 2, Quantity: 3})
		o := callJSON[orderView](t, ts, http.StatusOK, http.MethodPost, "/checkout", token, nil)
		assert.Equal(t, orderView{OrderID: 1, SubtotalCents: c.SubtotalCents, TotalCents: c.SubtotalCents}, o)
	})
	t.Run("stacked coupons make it free", func(t *testing.T) {
		c := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, cartItems, token, addItemRequest{ProductID: 3})
		for _, code := range []string{"FLASH50", "BLACKFRIDAY40", "VIP30"} {
			callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/coupons", token, couponRequest{Code: code})
		}
		o := callJSON[orderView](t, ts, http.StatusOK, http.MethodPost, "/checkout", token, nil)
		assert.Equal(t, orderView{OrderID: 2, SubtotalCents: c.SubtotalCents, DiscountCents: c.SubtotalCents, TotalCents: 0}, o)
	})
	t.Run("checkout empties the cart", func(t *testing.T) {
		c := callJSON[cartView](t, ts, http.StatusOK, http.MethodGet, "/cart", token, nil)
		assert.Empty(t, c.Items)
		assert.Empty(t, c.Discounts)
		callJSON[errorBody](t, ts, http.StatusConflict, http.MethodPost, "/checkout", token, nil)
	})
}
