package demoshop

import (
	"fmt"
	"slices"
)

// CouponKind says how a coupon's Value reduces a cart.
type CouponKind int

// Coupon kinds.
const (
	PercentOff CouponKind = iota + 1 // Value is percent of the subtotal
	AmountOff                        // Value is cents
)

var couponKindNames = [...]string{PercentOff: "percent", AmountOff: "amount"}

func (k CouponKind) String() string {
	if k > 0 && int(k) < len(couponKindNames) {
		return couponKindNames[k]
	}
	return fmt.Sprintf("CouponKind(%d)", int(k))
}

// MarshalText makes coupon kinds readable in JSON responses.
func (k CouponKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText lets clients of the shop decode the kinds it writes.
func (k *CouponKind) UnmarshalText(b []byte) error {
	for i, name := range couponKindNames {
		if name != "" && name == string(b) {
			*k = CouponKind(i)
			return nil
		}
	}
	return fmt.Errorf("demoshop: unknown coupon kind %q", b)
}

// Coupon is a promotion code the shop honours. A coupon-stacking scenario
// needs the codes and what each is worth to measure the discount obtained.
type Coupon struct {
	Code  string
	Kind  CouponKind
	Value int64
	// SingleUse codes apply once per cart: applyCoupon refuses one the
	// cart already has, with a check that races like its other one.
	SingleUse bool
}

// Discount is what one application of c takes off a subtotal, before the
// cart clamps its total at zero.
func (c Coupon) Discount(subtotalCents int64) int64 {
	switch c.Kind {
	case PercentOff:
		return (subtotalCents*c.Value + 50) / 100 // to the nearest cent
	case AmountOff:
		return c.Value
	}
	return 0
}

// builtinCoupons is the fixed promotion list; it does not depend on the seed
// so that plans can name codes.
func builtinCoupons() []Coupon {
	return []Coupon{
		{"SPRING10", PercentOff, 10, false},
		{"SUMMER15", PercentOff, 15, false},
		{"FALL20", PercentOff, 20, false},
		{"WINTER25", PercentOff, 25, false},
		{"WELCOME10", PercentOff, 10, false},
		{"STUDENT15", PercentOff, 15, false},
		{"VIP30", PercentOff, 30, false},
		{"BLACKFRIDAY40", PercentOff, 40, false},
		{"CYBERMONDAY35", PercentOff, 35, false},
		{"FLASH50", PercentOff, 50, false},
		{"SAVE5", AmountOff, 500, false},
		{"TAKE10", AmountOff, 1000, false},
		{"FREESHIP", AmountOff, 599, false},
		{"NEWUSER15", AmountOff, 1500, false},
		{"LOYAL20", AmountOff, 2000, false},
		{"GIFT25", AmountOff, 2500, false},
		{"HOLIDAY30", AmountOff, 3000, false},
		{"BDAY10", AmountOff, 1000, false},
		{"REFER20", AmountOff, 2000, false},
		{"THANKYOU5", AmountOff, 500, false},
		// A first order's code: once per cart, by a check that races.
		{"FIRSTORDER", PercentOff, 20, true},
	}
}

// Coupons returns every valid code, in a fixed order, so the harness can
// build coupon-stacking scenarios and value what they obtained. The slice
// is a copy.
func (s *Shop) Coupons() []Coupon { return slices.Clone(s.couponOrder) }
