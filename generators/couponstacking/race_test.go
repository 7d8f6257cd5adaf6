package couponstacking_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// skewed starts VU i of a kind's scenario i*skew late, as VUs of a real
// run start when their set-up lets them, not together.
type skewed struct {
	generators.Kind
	skew time.Duration
}

func (k skewed) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p, err := k.Kind.Program(sc, env)
	return &late{Program: p, wait: time.Duration(env.VU) * k.skew}, err
}

type late struct {
	scenarios.Program
	wait    time.Duration
	started bool
}

func (l *late) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	st, ok := l.Program.Next(prev)
	if !l.started {
		l.started = true
		st.Wait += l.wait
	}
	return st, ok
}

// FIRSTORDER is single use: one request after the other, a cart gets it
// once (20% off). The race's four sessions of one account (one cart) start
// 400 ms apart, far longer than the shop's 100 ms check-then-write window, so
// without a gate each redemption finds the code applied by the one before
// and is refused. The gate holds the ready sessions until the first one's
// window of 2 s closes, then all four redeem at once, inside the shop's
// window: the single-use code is applied several times to the cart VU 0
// checks out, and the discount obtained is several times what one
// redemption gives.
func TestRaceGateBeatsSingleUse(t *testing.T) {
	tests := []struct {
		gate string
		want func(t *testing.T, accepted int, discount, once int64)
	}{
		{"2s", func(t *testing.T, accepted int, discount, once int64) {
			assert.Greater(t, accepted, 1, "the single-use code was redeemed more than once on the cart")
			assert.Greater(t, discount, once, "discount obtained beyond one redemption's")
		}},
		// The contrast: the same skewed sessions, no gate.
		{"0", func(t *testing.T, accepted int, discount, once int64) {
			assert.Equal(t, 1, accepted, "sessions 400 ms apart redeem one after the other")
			assert.Equal(t, once, discount)
		}},
	}
	for _, tt := range tests {
		t.Run("gate="+tt.gate, func(t *testing.T) {
			tg := kindtest.Shop(t, demoshop.Options{Seed: 1, CouponLatency: 100 * time.Millisecond})
			k := couponstacking.New()
			sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(10, 2), Coupons: []string{"FIRSTORDER"}}, "coupon-race-")
			require.Equal(t, couponstacking.DefaultGate.String(), sc.Params["gate"])
			require.Len(t, sc.Identities, 1, "one account, one cart")
			sc.Params["gate"], sc.Schedule.VUs = tt.gate, 4
			sc.Think = scenarios.ConstantThink(0)
			res := tg.Run(t, skewed{Kind: k, skew: 400 * time.Millisecond}, sc, 20*time.Second, 500)

			// The cart VU 0 checks out: the units added and the codes
			// accepted before its checkout was sent (later sessions fill
			// the next cart).
			var paid time.Time
			for _, ex := range res.Exchanges {
				if ex.Route == "/checkout" && ex.Status == http.StatusOK {
					paid = ex.Sent
				}
			}
			require.False(t, paid.IsZero(), "VU 0 checked out")
			var units int64
			accepted := 0
			for _, ex := range res.Exchanges {
				switch {
				case ex.Status != http.StatusOK || !ex.Sent.Before(paid):
				case ex.Route == "/cart/items":
					units++
				case ex.Route == "/cart/coupons":
					accepted++
				}
			}
			once := oneRedemption(t, tg, units)
			t.Logf("gate %s: FIRSTORDER accepted %d times on a cart of %d units; discount obtained %d cents (one redemption: %d)",
				tt.gate, accepted, units, res.Leak, once)
			tt.want(t, accepted, int64(res.Leak), once)
		})
	}
}

// oneRedemption is what one FIRSTORDER takes off the race's cart: units
// of the dearest product of the first page, which the program picks.
func oneRedemption(t *testing.T, tg *kindtest.Target, units int64) int64 {
	t.Helper()
	resp, err := http.Get(tg.URL.String() + "/products?limit=100")
	require.NoError(t, err)
	defer resp.Body.Close()
	var page struct {
		Items []demoshop.Product `json:"items"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	var dearest int64
	for _, p := range page.Items {
		dearest = max(dearest, p.PriceCents)
	}
	for _, c := range tg.Shop.Coupons() {
		if c.Code == "FIRSTORDER" {
			return c.Discount(units * dearest)
		}
	}
	require.FailNow(t, "the shop has no FIRSTORDER")
	return 0
}

// On the simulated clock (abusegate simulate) the gate is a wait like any
// other, in virtual time: the four skewed sessions, served in process,
// send their redemptions at one virtual instant, and the run ends.
func TestRaceGateOnSimulatedClock(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	k := couponstacking.New()
	sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(10, 1), Coupons: []string{"FIRSTORDER"}}, "coupon-race-")
	sc.Schedule.VUs = 4
	sc.Think = scenarios.ConstantThink(0)
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := vu.NewSimClock(epoch)
	skew := skewed{Kind: k, skew: 400 * time.Millisecond}
	w := vu.Workload{
		Scenario: sc.ID, Actor: scenarios.Attacker, VUs: 4, Duration: time.Minute, Seed: 1,
		Program: func(i int) (scenarios.Program, error) {
			return skew.Program(sc, generators.Env{Auth: tg.Auth, VU: i, Seed: 1, Identity: sc.Identities[0], Now: clock.Now})
		},
	}
	var rec vu.Recorder
	r := &vu.Runner{Target: tg.URL, Handler: tg.Shop, Clock: clock, MaxRequests: 100}
	require.NoError(t, r.Run(context.Background(), []vu.Workload{w}, &rec))

	var sent []time.Time
	for _, ex := range rec.Exchanges() {
		if ex.Route == "/cart/coupons" {
			sent = append(sent, ex.Sent)
		}
	}
	require.Len(t, sent, 4, "every session redeemed")
	for _, s := range sent {
		assert.Equal(t, sent[0], s, "released together")
	}
	// The first session is ready at once, the last 1.2 s later: the gate
	// closes 2 s after the first.
	assert.Equal(t, epoch.Add(couponstacking.DefaultGate), sent[0])
}
