package couponstacking_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

func codes(shop *demoshop.Shop) []string {
	var out []string
	for _, c := range shop.Coupons() {
		out = append(out, c.Code)
	}
	return out
}

// accepted counts the coupon redemptions the shop answered 200.
func accepted(res kindtest.Result) int {
	n := 0
	for _, ex := range res.Exchanges {
		if ex.Route == "/cart/coupons" && ex.Status == http.StatusOK {
			n++
		}
	}
	return n
}

func TestUnguardedDiscountObtained(t *testing.T) {
	tests := []struct {
		name  string
		mode  string
		codes []string // nil: the shop's own list
		check func(t *testing.T, sc scenarios.Scenario, res kindtest.Result)
	}{
		{name: "several codes stack on one cart", mode: couponstacking.ModeStack, check: func(t *testing.T, _ scenarios.Scenario, res kindtest.Result) {
			// Two VUs, each with a cart; each accepted at least two codes.
			assert.GreaterOrEqual(t, accepted(res), 4)
		}},
		{name: "guessed codes stack too", mode: couponstacking.ModeStack, codes: []string{}, check: func(t *testing.T, _ scenarios.Scenario, res kindtest.Result) {
			assert.GreaterOrEqual(t, accepted(res), 4)
		}},
		{name: "the same code is accepted again", mode: couponstacking.ModeRepeat, check: func(t *testing.T, sc scenarios.Scenario, res kindtest.Result) {
			// SPRING10 five times on each of two carts: 50% off each.
			assert.Equal(t, 10, accepted(res), "params %v", sc.Params)
		}},
		{name: "concurrent redemptions race the check", mode: couponstacking.ModeRace, codes: []string{"FLASH50"}, check: func(t *testing.T, sc scenarios.Scenario, res kindtest.Result) {
			// Sequentially FLASH50 is accepted twice, then the total is zero
			// and the check refuses it. Racing, more pass the check.
			assert.Greater(t, accepted(res), 2, "the race must beat the sequential limit")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The race needs the sessions' redemptions to overlap inside the
			// shop's check-then-write window; on a loaded CI runner the VUs'
			// set-up requests spread them by tens of milliseconds, so the
			// race gets a window wide enough to make the overlap certain.
			latency := 40 * time.Millisecond
			if tt.mode == couponstacking.ModeRace {
				latency = 300 * time.Millisecond
			}
			tg := kindtest.Shop(t, demoshop.Options{Seed: 1, CouponLatency: latency})
			opts := generators.Options{Attackers: tg.Identities(10, 2), Coupons: codes(tg.Shop)}
			if tt.codes != nil {
				opts.Coupons = tt.codes
			}
			sc := tg.Generate(t, couponstacking.New(), opts, "coupon-"+tt.mode+"-")
			sc.Think = scenarios.ConstantThink(0)
			res := tg.Run(t, couponstacking.New(), sc, 20*time.Second, 500)
			require.Positive(t, res.Leak, "no discount obtained")
			tt.check(t, sc, res)
		})
	}
}

func TestGenerateNeedsCartAndCheckout(t *testing.T) {
	s := scenarios.Surface{Operations: []scenarios.Operation{{
		Method: http.MethodPost, Path: "/coupons", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCoupon}},
	}}}
	assert.Empty(t, couponstacking.New().Generate(s, generators.Options{}))
}

func TestProgramRejectsBadParams(t *testing.T) {
	good := map[string]string{"mode": "stack", "coupon": "POST /c", "checkout": "POST /pay", "cart": "POST /cart", "codes": "A"}
	tests := []struct {
		name, key, value, want string
	}{
		{"unknown mode", "mode", "steal", "want stack, repeat or race"},
		{"no codes", "codes", " ", "codes is empty"},
		{"bad coupon key", "coupon", "/c", "coupon"},
		{"bad repeat", "repeat", "-1", "repeat"},
		{"bad settle", "settle", "soon", "settle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]string{}
			for k, v := range good {
				p[k] = v
			}
			p[tt.key] = tt.value
			_, err := couponstacking.New().Program(scenarios.Scenario{ID: "c", Params: p}, generators.Env{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
