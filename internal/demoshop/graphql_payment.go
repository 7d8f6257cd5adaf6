package demoshop

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

type gqlPayment struct {
	PaymentID      graphql.ID
	AmountCents    int32
	Method, Status string
}

type gqlConfirmedOrder struct {
	OrderID                                             graphql.ID
	SubtotalCents, DiscountCents, TotalCents, PaidCents int32
}

// StartPayment is POST /checkout/payment: it authorizes the cart's
// current total, the first step of the two-step checkout. The method is
// required here; REST takes "card" when it is absent.
func (r *gqlRoot) StartPayment(ctx context.Context, args struct{ Method string }) (*gqlPayment, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	req := paymentRequest(args)
	var p paymentView
	if err := invoke(ctx, withUser(r.shop.startPayment, caller), "/checkout/payment", req, nil, &p); err != nil {
		return nil, err
	}
	return &gqlPayment{PaymentID: gqlID(p.PaymentID), AmountCents: i32(p.AmountCents), Method: p.Method, Status: p.Status}, nil
}

// ConfirmCheckout is POST /checkout/confirm, with its flaw: the schema
// says startPayment must come first (@abuse requires) and asks for the
// payment's id, and nothing looks at either, so an order is placed for
// what the caller's pending payment covers, which may be nothing.
func (r *gqlRoot) ConfirmCheckout(ctx context.Context, _ struct{ PaymentID graphql.ID }) (*gqlConfirmedOrder, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var o confirmView
	if err := invoke(ctx, withUser(r.shop.confirmCheckout, caller), "/checkout/confirm", nil, nil, &o); err != nil {
		return nil, err
	}
	return &gqlConfirmedOrder{OrderID: gqlID(o.OrderID), SubtotalCents: i32(o.SubtotalCents), DiscountCents: i32(o.DiscountCents),
		TotalCents: i32(o.TotalCents), PaidCents: i32(o.PaidCents)}, nil
}
