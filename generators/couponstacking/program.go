package couponstacking

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// Program implements generators.Kind: log in, fill the cart, redeem the
// codes as the mode says, check out and read the discount obtained. In a
// race, a VU that is ready waits at the scenario's gate (param gate, a
// duration; 0 turns it off) so that every VU's redemption leaves at once,
// whenever its set-up finished.
func (k *Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	cart, err := generators.CartFromParams(p)
	if err != nil {
		return nil, fmt.Errorf("coupon-stacking %s: %w", sc.ID, err)
	}
	_, couponPath, err := generators.SplitKey(p["coupon"])
	if err != nil {
		return nil, fmt.Errorf("coupon-stacking %s: coupon: %w", sc.ID, err)
	}
	_, payPath, err := generators.SplitKey(p["checkout"])
	if err != nil {
		return nil, fmt.Errorf("coupon-stacking %s: checkout: %w", sc.ID, err)
	}
	codes := strings.FieldsFunc(p["codes"], func(r rune) bool { return r == ',' || r == ' ' })
	if len(codes) == 0 {
		return nil, fmt.Errorf("coupon-stacking %s: params codes is empty: list the codes to redeem", sc.ID)
	}
	repeat, err := generators.Intn(p, "repeat", 5)
	if err != nil || repeat < 1 {
		return nil, fmt.Errorf("coupon-stacking %s: repeat=%q: want a positive integer", sc.ID, p["repeat"])
	}
	var settle time.Duration
	if s := p["settle"]; s != "" {
		if settle, err = time.ParseDuration(s); err != nil {
			return nil, fmt.Errorf("coupon-stacking %s: settle: %w", sc.ID, err)
		}
	}
	var gate *Gate
	if p["mode"] == ModeRace && env.Now != nil {
		window := DefaultGate
		if g := p["gate"]; g != "" {
			if window, err = time.ParseDuration(g); err != nil || window < 0 {
				return nil, fmt.Errorf("coupon-stacking %s: gate=%q: want a duration such as 2s, or 0 for none", sc.ID, g)
			}
		}
		if window > 0 {
			gate = k.gate(sc.ID, window)
		}
	}
	var plan []string
	switch p["mode"] {
	case ModeStack:
		plan = codes
	case ModeRepeat, ModeRace:
		for range repeat {
			plan = append(plan, codes[0])
		}
	default:
		return nil, fmt.Errorf("coupon-stacking %s: mode=%q: want stack, repeat or race", sc.ID, p["mode"])
	}
	field := p["code_field"]
	if field == "" {
		field = "code"
	}
	return &stacker{
		session:  generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		cart:     cart,
		coupon:   couponPath,
		field:    field,
		pay:      payPath,
		plan:     plan,
		checkout: p["mode"] != ModeRace || env.VU == 0,
		settle:   settle,
		gate:     gate,
		now:      env.Now,
	}, nil
}

// state is where a stacker is in its attack.
type state int

const (
	listing state = iota
	adding
	redeeming
	paying
	done
)

type stacker struct {
	session  *generators.Session
	cart     generators.Cart
	coupon   string
	field    string
	pay      string
	plan     []string
	checkout bool
	settle   time.Duration
	gate     *Gate
	now      func() time.Time

	state state
	next  int
}

// Session implements scenarios.SessionReporter.
func (s *stacker) Session() scenarios.Session { return s.session.Session() }

// Next implements scenarios.Program.
func (s *stacker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Request.Route == s.cart.List && prev.Status == http.StatusOK {
		s.cart.Pick(prev.Body)
	}
	req, login, stop := s.session.Drive(prev)
	switch {
	case stop:
		return scenarios.Step{}, false
	case login:
		return scenarios.Step{Request: req}, true
	}
	h := s.session.Header()
	for {
		switch s.state {
		case listing:
			s.state = adding
			if s.cart.List != "" {
				return scenarios.Step{Request: s.cart.ListRequest(h)}, true
			}
		case adding:
			s.state = redeeming
			return scenarios.Step{Request: s.cart.AddRequest(h)}, true
		case redeeming:
			if s.next >= len(s.plan) {
				s.state = paying
				continue
			}
			code := s.plan[s.next]
			var wait time.Duration
			if s.next == 0 && s.gate != nil {
				wait = s.gate.Wait(s.now())
			}
			s.next++
			r := generators.JSONRequest(http.MethodPost, s.coupon, s.coupon, h, map[string]string{s.field: code})
			r.Abusive, r.Judge = true, judgeRedeem
			return scenarios.Step{Wait: wait, Request: r}, true
		case paying:
			s.state = done
			if !s.checkout {
				return scenarios.Step{}, false
			}
			r := scenarios.Request{Method: http.MethodPost, Path: s.pay, Route: s.pay, Header: h, Abusive: true, Judge: judgeCheckout}
			// In a race, VU 0 lets the other sessions' redemptions land
			// before it pays.
			return scenarios.Step{Wait: s.settle, Request: r}, true
		default:
			return scenarios.Step{}, false
		}
	}
}

// judgeRedeem: an accepted code is a success; its value is counted once,
// at checkout, where the shop states what it actually took off.
func judgeRedeem(r scenarios.Result) (scenarios.Outcome, int) {
	return scenarios.Classify(r.Status), 0
}

// discountFields name the answer's discount, in the order tried.
var discountFields = []string{"discount_cents", "discount", "discount_amount", "total_discount", "discountCents"}

// judgeCheckout counts the discount the order was granted.
func judgeCheckout(r scenarios.Result) (scenarios.Outcome, int) {
	o := scenarios.Classify(r.Status)
	if o != scenarios.OutcomeSuccess {
		return o, 0
	}
	for _, f := range discountFields {
		if n, ok := generators.JSONInt(r.Body, f); ok && n > 0 {
			return o, int(n)
		}
	}
	return o, 0
}
