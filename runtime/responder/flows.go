package responder

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// loginCall checks the credentials and answers a token: in the token
// fields of the documented body (added when it has none), or as the body
// itself when the spec documents a bare string.
func (rs *Responder) loginCall(c *call) {
	user := c.in.text(byRole(c.op, scenarios.ParamUsername, usernameNames...)...)
	pass := c.in.text(byRole(c.op, scenarios.ParamPassword, passwordNames...)...)
	token, id, ok := rs.st.login(user, pass)
	if !ok {
		c.status, c.body = http.StatusUnauthorized, msgWrongLogin
		return
	}
	c.rng = newRNG(rs.o.Seed, c.op.Key(), user)
	c.body = rs.successBody(c)
	obj, isObj := c.body.(map[string]any)
	if !isObj {
		c.body = token
		return
	}
	sh := successShape(c.op)
	set := setFields(obj, sh, tokenNames, token)
	if !set {
		obj["token"] = token
	}
	setFields(obj, sh, userIDNames, id)
}

// signupCall creates an account from the body's password that logs in
// with each name the body gives it (username, email); a taken name
// answers 409.
func (rs *Responder) signupCall(c *call) {
	var names []string
	for _, n := range byRole(c.op, scenarios.ParamUsername, usernameNames...) {
		if v := c.in.text(n); v != "" && !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	pass := c.in.text(byRole(c.op, scenarios.ParamPassword, passwordNames...)...)
	id, ok := rs.st.signup(names, pass)
	if !ok {
		c.status, c.body = http.StatusConflict, "username taken"
		return
	}
	c.rng = newRNG(rs.o.Seed, c.op.Key(), strconv.FormatInt(id, 10))
	c.body = rs.successBody(c)
	if obj, ok := c.body.(map[string]any); ok {
		setFields(obj, successShape(c.op), []string{"id", "user_id", "userId"}, id)
	}
}

// couponCall accepts every well-formed code, again and again: each is
// worth a seeded 5 to 30 currency units, added to the caller's cart.
func (rs *Responder) couponCall(c *call) {
	code := c.in.text(byRole(c.op, scenarios.ParamCoupon, couponNames...)...)
	if !wellFormed(code) {
		c.status, c.body = http.StatusBadRequest, "no valid code in the request"
		return
	}
	worth := int64(500 + newRNG(rs.o.Seed, "coupon", code).intn(2501))
	var total int64
	rs.st.withCart(c.user, func(ct *cart) {
		ct.discount = min(ct.discount+worth, 1<<40)
		total = ct.discount
	})
	c.rng = newRNG(rs.o.Seed, c.op.Key(), code)
	c.body = rs.successBody(c)
	if obj, ok := c.body.(map[string]any); ok {
		setFields(obj, successShape(c.op), discountNames, total)
	}
}

func wellFormed(code string) bool {
	if code == "" || len(code) > 64 {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// cartCall holds the units asked for (no stock limit): each product costs
// a seeded 1 to 1,000 currency units.
func (rs *Responder) cartCall(c *call) {
	product := c.in.text(productNames...)
	q := int64(1)
	if s := c.in.text(quantityNames...); s != "" {
		if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 1 {
			q = int64(min(n, 1e6))
		}
	}
	price := int64(100 + newRNG(rs.o.Seed, "price", product).intn(99_901))
	var units int64
	rs.st.withCart(c.user, func(ct *cart) {
		ct.units = min(ct.units+q, 1<<40)
		ct.subtotal = min(ct.subtotal+q*price, 1<<50)
		units = ct.units
	})
	c.rng = newRNG(rs.o.Seed, c.op.Key(), product)
	c.body = rs.successBody(c)
	if obj, ok := c.body.(map[string]any); ok {
		setFields(obj, successShape(c.op), []string{"units", "quantity", "count"}, units)
	}
}

// checkoutCall pays the caller's cart, whatever came before it: the
// answer states the subtotal, the discounts (at most the subtotal) and
// the total, and the cart is emptied.
func (rs *Responder) checkoutCall(c *call) {
	var sub, off int64
	rs.st.withCart(c.user, func(ct *cart) {
		sub, off = ct.subtotal, min(ct.discount, ct.subtotal)
		*ct = cart{}
	})
	c.rng = newRNG(rs.o.Seed, c.op.Key(), c.user)
	c.body = rs.successBody(c)
	obj, ok := c.body.(map[string]any)
	if !ok {
		return
	}
	sh := successShape(c.op)
	if !setFields(obj, sh, discountNames, off) && off > 0 {
		obj["discount_cents"] = off
	}
	setFields(obj, sh, subtotalNames, sub)
	setFields(obj, sh, totalNames, sub-off)
}

// setFields writes v into every field of names the body or its shape
// has, and reports whether there was one.
func setFields(obj map[string]any, sh *scenarios.Shape, names []string, v any) bool {
	set := false
	for _, n := range names {
		_, known := sh.Property(n)
		if _, present := obj[n]; known || present {
			obj[n] = v
			set = true
		}
	}
	return set
}
