// Package couponstacking is the rest.coupon-stacking misuse kind (OWASP
// API6:2023 unrestricted access to sensitive business flows; OAT-002 token
// cracking when codes are guessed): one cart gets several codes, the same
// code again and again, and concurrent redemptions that race the
// redemption check. The leak is the discount actually obtained, in cents,
// read from the checkout's answer.
//
// It imports only generators and scenarios.
package couponstacking

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.coupon-stacking"

// Modes of a coupon-stacking scenario.
const (
	// ModeStack applies every code of the list once to one cart.
	ModeStack = "stack"
	// ModeRepeat applies the first code Repeat times.
	ModeRepeat = "repeat"
	// ModeRace has every VU, all acting as one account and so one cart,
	// redeem the first code at the same moment (see Gate); VU 0 checks
	// out.
	ModeRace = "race"
)

// GuessedCodes is the wordlist tried when the plan knows no real codes:
// the promotion codes shops most often use. Guessing them is OAT-002.
var GuessedCodes = []string{
	"WELCOME10", "WELCOME", "SAVE10", "SAVE5", "SAVE20", "TAKE10", "FREESHIP", "FREESHIPPING",
	"SPRING10", "SUMMER15", "FALL20", "WINTER25", "BLACKFRIDAY", "BLACKFRIDAY40", "CYBERMONDAY",
	"NEWUSER15", "STUDENT15", "VIP30", "FLASH50", "THANKYOU5", "GIFT25", "HOLIDAY30", "BDAY10",
}

// Kind generates and runs coupon-stacking scenarios.
type Kind struct {
	mu sync.Mutex
	// gates holds each race scenario's Gate, shared by its VUs.
	gates map[string]*Gate
}

// New returns a coupon-stacking kind; a run gets a fresh one from
// builtin.Register, so its races' gates start closed.
func New() *Kind { return &Kind{} }

var _ generators.Kind = (*Kind)(nil)

// Info implements generators.Kind.
func (*Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Coupon stacking, replay and redemption race",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-002"},
		Needs:    "a coupon-redeeming POST, an add-to-cart POST and a checkout POST",
		LeakUnit: "discount cents",
	}
}

// Generate builds three scenarios per coupon operation: stacking several
// codes, repeating one, and racing concurrent redemptions.
func (k *Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	add, okAdd := generators.First(s, scenarios.RoleCart, http.MethodPost)
	pay, okPay := generators.First(s, scenarios.RoleCheckout, http.MethodPost)
	if !okAdd || !okPay {
		return nil
	}
	list, _ := generators.First(s, scenarios.RoleCollection, http.MethodGet)
	codes := opts.Coupons
	known := len(codes) > 0
	if !known {
		codes = GuessedCodes
	}
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCoupon) || op.Method != http.MethodPost || op.Protocol != scenarios.REST {
			continue
		}
		field := "code"
		for _, p := range op.Params {
			if p.Role == scenarios.ParamCoupon {
				field = p.Name
				break
			}
		}
		why := fmt.Sprintf("redeems a code in body field %q", field)
		if op.Rules.OneCouponPerOrder {
			why += "; the spec says one coupon per order: this tests it"
		}
		targets := []scenarios.Target{
			{Operation: op.Key(), Why: why},
			{Operation: add.Key(), Why: "fills the cart the codes discount"},
			{Operation: pay.Key(), Why: "checks out: its answer says the discount obtained"},
		}
		if list.Path != "" {
			targets = append(targets, scenarios.Target{Operation: list.Key(), Why: "picks the dearest product, so a discount is worth the most"})
		}
		base := func(mode, question string, vus int, think time.Duration) scenarios.Scenario {
			p := map[string]string{"mode": mode, "coupon": op.Key(), "code_field": field, "checkout": pay.Key(), "quantity": "1"}
			generators.Cart{}.Params(p, list, add)
			switch mode {
			case ModeStack:
				p["codes"] = strings.Join(codes, ",")
			default:
				p["codes"] = codes[0]
				p["repeat"] = "5"
			}
			if mode == ModeRace {
				p["repeat"], p["settle"], p["gate"] = "1", "500ms", DefaultGate.String()
			}
			ids := opts.Attackers
			if mode == ModeRace && len(ids) > 1 {
				ids = ids[:1] // one account, one cart: every VU races on it
			}
			return scenarios.Scenario{
				ID:         fmt.Sprintf("coupon-%s-%s", mode, generators.Slug(op.Key())),
				Kind:       ID,
				Title:      fmt.Sprintf("Coupon %s on %s", mode, op.Key()),
				Question:   question,
				Operations: targets,
				LeakUnit:   k.Info().LeakUnit,
				Identities: ids,
				Schedule:   scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: vus, Iterations: 1, Duration: time.Minute},
				Think:      scenarios.ConstantThink(think),
				Params:     p,
				SLA:        opts.SLA,
			}
		}
		stackQ := "What if one cart takes every code we know, one after the other, and the order comes out free?"
		if !known {
			stackQ = "What if an attacker guesses common promotion codes and stacks every one that works on one cart?"
		}
		out = append(out,
			base(ModeStack, stackQ, 2, 50*time.Millisecond),
			base(ModeRepeat, fmt.Sprintf("What if the same code %s is redeemed again and again on one cart?", codes[0]), 2, 50*time.Millisecond),
			base(ModeRace, "What if many sessions of one account redeem a code at the same instant, racing the redemption check?", 8, 0),
		)
	}
	return out
}
