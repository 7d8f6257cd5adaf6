package demoshop

import (
	"net/http"
	"slices"
	"time"
)

// maxQuantity bounds one cart line so totals cannot overflow.
const maxQuantity = 10_000

// cart is one user's basket. Applied coupons are kept as codes, repeats
// included, and priced when the cart is rendered.
type cart struct {
	lines   []cartLine
	applied []string
}

type cartLine struct {
	product  Product
	quantity int64
}

func (c *cart) subtotal() int64 {
	var sum int64
	for _, l := range c.lines {
		sum += l.product.PriceCents * l.quantity
	}
	return sum
}

type cartView struct {
	Items         []cartItemView `json:"items"`
	SubtotalCents int64          `json:"subtotal_cents"`
	Discounts     []discountView `json:"discounts"`
	DiscountCents int64          `json:"discount_cents"`
	TotalCents    int64          `json:"total_cents"`
}

type cartItemView struct {
	ProductID      int64  `json:"product_id"`
	Name           string `json:"name"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	Quantity       int64  `json:"quantity"`
	LineCents      int64  `json:"line_cents"`
}

type discountView struct {
	Code          string     `json:"code"`
	Kind          CouponKind `json:"kind"`
	Value         int64      `json:"value"`
	DiscountCents int64      `json:"discount_cents"`
}

// view prices the cart. DiscountCents is what the discounts actually take
// off (never more than the subtotal), so total = max(0, subtotal - sum).
func (s *Shop) view(c *cart) cartView {
	v := cartView{Items: []cartItemView{}, Discounts: []discountView{}, SubtotalCents: c.subtotal()}
	for _, l := range c.lines {
		v.Items = append(v.Items, cartItemView{
			ProductID: l.product.ID, Name: l.product.Name, UnitPriceCents: l.product.PriceCents,
			Quantity: l.quantity, LineCents: l.product.PriceCents * l.quantity,
		})
	}
	var sum int64
	for _, code := range c.applied {
		cp := s.coupons[code]
		d := cp.Discount(v.SubtotalCents)
		sum += d
		v.Discounts = append(v.Discounts, discountView{Code: cp.Code, Kind: cp.Kind, Value: cp.Value, DiscountCents: d})
	}
	v.DiscountCents = min(sum, v.SubtotalCents)
	v.TotalCents = v.SubtotalCents - v.DiscountCents
	return v
}

// cartOf returns the user's cart, creating it. The caller holds s.mu.
func (s *Shop) cartOf(userID int64) *cart {
	c, ok := s.carts[userID]
	if !ok {
		c = &cart{}
		s.carts[userID] = c
	}
	return c
}

func (s *Shop) getCart(w http.ResponseWriter, _ *http.Request, me *User) {
	s.mu.Lock()
	v := s.view(s.cartOf(me.ID))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

type addItemRequest struct {
	ProductID int64 `json:"product_id"`
	Quantity  int64 `json:"quantity"`
}

func (s *Shop) addCartItem(w http.ResponseWriter, r *http.Request, me *User) {
	req, ok := s.decodeCartItem(w, r)
	if !ok {
		return
	}
	if req.Quantity == 0 {
		req.Quantity = 1
	}
	if req.Quantity < 1 || req.Quantity > maxQuantity {
		writeError(w, http.StatusBadRequest, "quantity must be between 1 and 10000")
		return
	}
	p, ok := s.product(req.ProductID)
	if !ok {
		writeError(w, http.StatusNotFound, "unknown product")
		return
	}
	s.mu.Lock()
	c := s.cartOf(me.ID)
	added := false
	for i := range c.lines {
		if c.lines[i].product.ID == p.ID {
			c.lines[i].quantity = min(c.lines[i].quantity+req.Quantity, maxQuantity)
			added = true
		}
	}
	if !added {
		c.lines = append(c.lines, cartLine{product: p, quantity: req.Quantity})
	}
	v := s.view(c)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

type couponRequest struct {
	Code string `json:"code"`
}

// applyCoupon is flawed three ways, on purpose: different codes stack, the
// same code can be applied again, and the rules it enforces ("the cart is
// not empty and its total is above zero", "a single-use code is not on the
// cart yet") are checked under one lock and written under another, so
// concurrent applications all pass the check and drive the discount past
// what sequential requests could reach.
func (s *Shop) applyCoupon(w http.ResponseWriter, r *http.Request, me *User) {
	var req couponRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Code == "" {
		writeError(w, http.StatusBadRequest, "code is required")
		return
	}
	cp, ok := s.coupons[req.Code]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown coupon")
		return
	}

	// Check: read the cart's state and let go of the lock.
	s.mu.Lock()
	v := s.view(s.cartOf(me.ID))
	s.mu.Unlock()
	switch {
	case len(v.Items) == 0:
		writeError(w, http.StatusConflict, "cart is empty")
		return
	case v.TotalCents <= 0:
		writeError(w, http.StatusConflict, "cart total is already zero")
		return
	case cp.SingleUse && slices.ContainsFunc(v.Discounts, func(d discountView) bool { return d.Code == cp.Code }):
		writeError(w, http.StatusConflict, "coupon already applied: it is single use")
		return
	}

	// Time of check to time of use: whatever happens here is not seen by
	// the check above.
	if !s.validateRemotely(r) {
		return
	}
	if s.couponHook != nil {
		s.couponHook()
	}

	// Use: record the application on the strength of the stale check.
	s.mu.Lock()
	c := s.cartOf(me.ID)
	c.applied = append(c.applied, cp.Code)
	v = s.view(c)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// validateRemotely stands in for the promotions-service call that makes the
// race window real; it waits Options.CouponLatency, or returns false if the
// client goes away first.
func (s *Shop) validateRemotely(r *http.Request) bool {
	if s.couponLatency <= 0 {
		return true
	}
	t := time.NewTimer(s.couponLatency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

type orderView struct {
	OrderID       int64 `json:"order_id"`
	SubtotalCents int64 `json:"subtotal_cents"`
	DiscountCents int64 `json:"discount_cents"`
	TotalCents    int64 `json:"total_cents"`
}

// checkout charges max(0, subtotal - discounts), so stacked coupons can make
// an order free, and empties the cart.
func (s *Shop) checkout(w http.ResponseWriter, _ *http.Request, me *User) {
	o, ok := s.placeOrder(me)
	if !ok {
		writeError(w, http.StatusConflict, "cart is empty")
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// placeOrder turns the user's cart into an order and empties the cart; ok
// is false for an empty cart.
func (s *Shop) placeOrder(me *User) (o orderView, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cartOf(me.ID)
	if len(c.lines) == 0 {
		return orderView{}, false
	}
	v := s.view(c)
	s.lastOrder++
	// Emptied, not dropped: the next cart reuses its storage.
	c.lines, c.applied = c.lines[:0], c.applied[:0]
	return orderView{OrderID: s.lastOrder, SubtotalCents: v.SubtotalCents, DiscountCents: v.DiscountCents, TotalCents: v.TotalCents}, true
}
