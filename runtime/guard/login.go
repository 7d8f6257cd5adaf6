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
// them: the username of a login, the code and cart of a coupon
// redemption. It restores the body for the upstream.
func business(r *http.Request, op *scenarios.Operation, ev *scenarios.Event) {
	if op == nil {
		return
	}
	if op.Has(scenarios.RoleCart) && r.Method != http.MethodGet && r.Method != http.MethodDelete {
		ev.Units = cartUnits(r)
		return
	}
	if !(op.Has(scenarios.RoleLogin) || op.Has(scenarios.RoleCoupon)) {
		return
	}
	buf, ok := peek(&r.Body)
	if !ok {
		return
	}
	if op.Has(scenarios.RoleLogin) {
		names := []string{"username", "email", "login", "user"}
		if f := bodyField(op, scenarios.ParamUsername); f != "" {
			names = append([]string{f}, names...)
		}
		ev.Username = jsonFields(buf, names)[0]
		return
	}
	codes := []string{"code", "coupon", "coupon_code", "couponCode", "promo", "voucher"}
	if f := bodyField(op, scenarios.ParamCoupon); f != "" {
		codes = append([]string{f}, codes...)
	}
	v := jsonFields(buf, codes, []string{"cart_id", "cartId", "cart"})
	ev.Coupon, ev.Cart = v[0], v[1]
}

// cartUnits is how many units an add-to-cart body asks to hold: its
// quantity field, 1 when it names none or cannot be read (one item).
func cartUnits(r *http.Request) int {
	buf, ok := peek(&r.Body)
	if !ok {
		return 1
	}
	v := jsonFields(buf, []string{"quantity", "qty", "count", "units", "amount"})[0]
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
