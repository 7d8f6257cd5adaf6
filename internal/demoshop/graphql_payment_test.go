package demoshop

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The GraphQL two-step checkout is the REST one (TestTwoStepCheckout,
// TestConfirmWithoutPayment): paid in full when the flow is followed, and
// placed unpaid when startPayment is skipped.
func TestGraphQLTwoStepCheckout(t *testing.T) {
	ts := start(t, New(Options{Users: 2, Products: 3}))
	token := gqlLoginToken(t, ts, ts.Accounts()[0])
	type order struct {
		OrderID               string
		TotalCents, PaidCents int64
	}
	add := func() int64 {
		r := ts.gql(t, token, `mutation { addCartItem(productId: "2", quantity: 3) { totalCents } }`, nil)
		require.Empty(t, r.Errors)
		return field[struct{ TotalCents int64 }](t, r, "addCartItem").TotalCents
	}
	confirm := `mutation { confirmCheckout(paymentId: "1") { orderId totalCents paidCents } }`

	total := add()
	r := ts.gql(t, token, `mutation { startPayment(method: "card") { paymentId amountCents method status } }`, nil)
	require.Empty(t, r.Errors)
	assert.JSONEq(t, `{"paymentId":"1","amountCents":`+fmt.Sprint(total)+`,"method":"card","status":"authorized"}`, string(r.Data["startPayment"]))
	o := field[order](t, ts.gql(t, token, confirm, nil), "confirmCheckout")
	assert.Equal(t, order{OrderID: "1", TotalCents: total, PaidCents: total}, o)

	tests := []struct {
		name, query, code string
	}{
		{"confirm of an empty cart", confirm, "CONFLICT"},
		{"payment of an empty cart", `mutation { startPayment(method: "voucher") { paymentId } }`, "CONFLICT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.gql(t, token, tt.query, nil)
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tt.code, r.Errors[0].Extensions["code"])
		})
	}

	// The flaw: no payment (the id is that of the payment spent above),
	// and the order is placed all the same.
	total = add()
	o = field[order](t, ts.gql(t, token, confirm, nil), "confirmCheckout")
	assert.Equal(t, order{OrderID: "2", TotalCents: total, PaidCents: 0}, o, "the order was placed unpaid")

	r = ts.gql(t, "", confirm, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "UNAUTHENTICATED", r.Errors[0].Extensions["code"])
}
