package demoshop

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The intended two-step checkout: the payment authorizes the total, the
// confirmation places the order and says it was paid in full.
func TestTwoStepCheckout(t *testing.T) {
	ts := start(t, New(Options{Users: 2, Products: 3}))
	token := ts.login(t, ts.Accounts()[0])
	cart := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/items", token, addItemRequest{ProductID: 2, Quantity: 3})

	p := callJSON[paymentView](t, ts, http.StatusOK, http.MethodPost, "/checkout/payment", token, map[string]any{})
	assert.Equal(t, paymentView{PaymentID: 1, AmountCents: cart.TotalCents, Method: "card", Status: "authorized"}, p)
	o := callJSON[confirmView](t, ts, http.StatusOK, http.MethodPost, "/checkout/confirm", token, nil)
	assert.Equal(t, cart.TotalCents, o.TotalCents)
	assert.Equal(t, o.TotalCents, o.PaidCents)

	// The cart and the payment are spent.
	status, _ := ts.call(t, http.MethodPost, "/checkout/confirm", token, nil)
	assert.Equal(t, http.StatusConflict, status)
}

// The flaw: confirm never checks that a payment came first, nor that it
// covered the cart as it is now.
func TestConfirmWithoutPayment(t *testing.T) {
	ts := start(t, New(Options{Users: 2, Products: 3}))
	token := ts.login(t, ts.Accounts()[1])

	status, _ := ts.call(t, http.MethodPost, "/checkout/payment", token, map[string]any{})
	assert.Equal(t, http.StatusConflict, status, "no payment for an empty cart")
	status, _ = ts.call(t, http.MethodPost, "/checkout/confirm", token, nil)
	assert.Equal(t, http.StatusConflict, status, "no order for an empty cart")

	cart := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/items", token, addItemRequest{ProductID: 1, Quantity: 10})
	require.Positive(t, cart.TotalCents)
	o := callJSON[confirmView](t, ts, http.StatusOK, http.MethodPost, "/checkout/confirm", token, nil)
	assert.Equal(t, cart.TotalCents, o.TotalCents)
	assert.Zero(t, o.PaidCents, "the order was placed unpaid")

	// A payment for a cheap cart confirms a dear one.
	callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/items", token, addItemRequest{ProductID: 1, Quantity: 1})
	p := callJSON[paymentView](t, ts, http.StatusOK, http.MethodPost, "/checkout/payment", token, map[string]any{"method": "voucher"})
	dear := callJSON[cartView](t, ts, http.StatusOK, http.MethodPost, "/cart/items", token, addItemRequest{ProductID: 3, Quantity: 50})
	o = callJSON[confirmView](t, ts, http.StatusOK, http.MethodPost, "/checkout/confirm", token, nil)
	assert.Equal(t, dear.TotalCents, o.TotalCents)
	assert.Equal(t, p.AmountCents, o.PaidCents)
	assert.Less(t, o.PaidCents, o.TotalCents)
}
