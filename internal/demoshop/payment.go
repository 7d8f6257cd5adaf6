package demoshop

import (
	"net/http"
	"sync"
)

// paymentDesk holds each user's authorized payment: what POST
// /checkout/payment charged, waiting for POST /checkout/confirm.
type paymentDesk struct {
	mu      sync.Mutex
	pending map[int64]payment // user id -> the payment awaiting confirmation
	last    int64
}

type payment struct {
	id, amount int64
}

func newPaymentDesk() *paymentDesk { return &paymentDesk{pending: map[int64]payment{}} }

type paymentRequest struct {
	// Method names the payment method; the shop takes any (there is no
	// real processor behind it), "card" when absent.
	Method string `json:"method"`
}

type paymentView struct {
	PaymentID   int64  `json:"payment_id"`
	AmountCents int64  `json:"amount_cents"`
	Method      string `json:"method"`
	Status      string `json:"status"`
}

// startPayment authorizes the cart's current total, the step before
// confirmation in the two-step checkout.
func (s *Shop) startPayment(w http.ResponseWriter, r *http.Request, me *User) {
	var req paymentRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Method == "" {
		req.Method = "card"
	}
	s.mu.Lock()
	c := s.cartOf(me.ID)
	if len(c.lines) == 0 {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "cart is empty")
		return
	}
	total := s.view(c).TotalCents
	s.mu.Unlock()

	d := s.payments
	d.mu.Lock()
	d.last++
	p := payment{id: d.last, amount: total}
	d.pending[me.ID] = p
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, paymentView{PaymentID: p.id, AmountCents: p.amount, Method: req.Method, Status: "authorized"})
}

type confirmView struct {
	orderView
	// PaidCents is what the authorized payment covered: less than
	// TotalCents means goods left the shop unpaid.
	PaidCents int64 `json:"paid_cents"`
}

// confirmCheckout places the order for the cart. It is meant to follow
// POST /checkout/payment and the spec says so (x-abuse requires), but it
// forgets to check, on purpose: without a payment (or with one for an
// earlier, cheaper cart) it places the order all the same, for what was
// paid, which may be nothing. That is the business-flow bypass
// (OWASP API6:2023) rest.flow-bypass finds.
func (s *Shop) confirmCheckout(w http.ResponseWriter, _ *http.Request, me *User) {
	o, ok := s.placeOrder(me)
	if !ok {
		writeError(w, http.StatusConflict, "cart is empty")
		return
	}

	d := s.payments
	d.mu.Lock()
	p := d.pending[me.ID] // the zero payment when there was none: nothing checks
	delete(d.pending, me.ID)
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, confirmView{orderView: o, PaidCents: min(p.amount, o.TotalCents)})
}
