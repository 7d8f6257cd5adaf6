package guard

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// maxBody bounds how much of a login or coupon request, or a login
// response, the guard reads to find its fields; larger bodies pass
// through unparsed.
const maxBody = 64 << 10

// business reads the business fields of the Surface operations that carry
// them (see Business). It restores the body for the upstream.
func business(r *http.Request, op *scenarios.Operation, ev *scenarios.Event) {
	if !hasBusiness(op, r.Method) {
		return
	}
	buf, ok := peek(&r.Body)
	if !ok {
		buf = nil // none, unreadable, or too large to parse
	}
	Business(r.Method, buf, op, ev)
}

// hasBusiness reports whether a method request to op carries business
// fields in its body: an add-to-cart's (not a read or a removal), a
// login's or a coupon redemption's. One pass over op's roles, as it is on
// every request's path (Operation.Has copies the operation at each call).
func hasBusiness(op *scenarios.Operation, method string) bool {
	if op == nil {
		return false
	}
	business := false
	for _, t := range op.Roles {
		switch t.Role {
		case scenarios.RoleCart:
			return method != http.MethodGet && method != http.MethodDelete
		case scenarios.RoleLogin, scenarios.RoleCoupon:
			business = true
		}
	}
	return business
}

// Business fills ev's business fields from the JSON body of a method
// request to op, as the guard does before serving it: the username of a
// login, the code and cart of a coupon redemption, the units an
// add-to-cart asks to hold (1 when its body names none or cannot be read).
// Other operations, and a nil op, leave ev as it is. Whoever observes
// exchanges without the guard (the harness's shadow monitor) calls it with
// the body it sent.
func Business(method string, body []byte, op *scenarios.Operation, ev *scenarios.Event) {
	if !hasBusiness(op, method) {
		return
	}
	if op.Has(scenarios.RoleCart) {
		ev.Units = cartUnits(body)
		return
	}
	if len(body) == 0 || len(body) > maxBody {
		return
	}
	if op.Has(scenarios.RoleLogin) {
		names := []string{"username", "email", "login", "user"}
		if f := bodyField(op, scenarios.ParamUsername); f != "" {
			names = append([]string{f}, names...)
		}
		ev.Username = jsonFields(body, names)[0]
		return
	}
	codes := []string{"code", "coupon", "coupon_code", "couponCode", "promo", "voucher"}
	if f := bodyField(op, scenarios.ParamCoupon); f != "" {
		codes = append([]string{f}, codes...)
	}
	v := jsonFields(body, codes, []string{"cart_id", "cartId", "cart"})
	ev.Coupon, ev.Cart = v[0], v[1]
}

// cartUnits is how many units an add-to-cart body asks to hold: its
// quantity field, 1 when it names none or cannot be read (one item).
func cartUnits(body []byte) int {
	if len(body) == 0 || len(body) > maxBody {
		return 1
	}
	v := jsonFields(body, []string{"quantity", "qty", "count", "units", "amount"})[0]
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// issuedToken reads the token a login response issued, from "token",
// "access_token" or "id_token".
func issuedToken(body []byte) string {
	return jsonFields(body, []string{"token", "access_token", "id_token"})[0]
}

// peek reads up to maxBody bytes of *body and replaces *body with a reader
// that yields the same bytes, then the rest. It reports false when there
// is no body, reading failed, or the body is larger than maxBody.
func peek(body *io.ReadCloser) ([]byte, bool) { return peekN(body, maxBody) }

// peekN is peek with its own bound.
func peekN(body *io.ReadCloser, limit int) ([]byte, bool) {
	if *body == nil || *body == http.NoBody {
		return nil, false
	}
	orig := *body
	buf, err := io.ReadAll(io.LimitReader(orig, int64(limit)+1))
	*body = readCloser{Reader: io.MultiReader(bytes.NewReader(buf), orig), Closer: orig}
	if err != nil || len(buf) > limit {
		return nil, false
	}
	return buf, true
}

type readCloser struct {
	io.Reader
	io.Closer
}
