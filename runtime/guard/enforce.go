package guard

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// deniedBody is the JSON a denied request gets. A GraphQL request gets
// the same HTTP status (so clients and the oracle read a denial the same
// way on either API) and, beside error and decision, a GraphQL errors
// list whose extensions carry the code (FORBIDDEN, UNAUTHENTICATED,
// RATE_LIMITED), the status and the decision, for GraphQL clients.
type deniedBody struct {
	Error    string        `json:"error"`
	Decision string        `json:"decision"`
	Errors   []deniedError `json:"errors,omitempty"`
}

type deniedError struct {
	Message    string         `json:"message"`
	Extensions deniedErrorExt `json:"extensions"`
}

type deniedErrorExt struct {
	Code     string `json:"code"`
	Status   int    `json:"status"`
	Decision string `json:"decision"`
}

// graphqlCode is the GraphQL error code of a denial status.
func graphqlCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	}
	return "FORBIDDEN"
}

// enforce applies the harshest live decision on the request's subjects and
// returns the status it answered the request with, 0 when it let the
// request through. A store error fails open (the guard's own decisions
// still apply) unless FailClosed is set.
// gql says the request is a GraphQL one, whose denial carries a GraphQL
// errors list too.
func (g *Guard) enforce(w http.ResponseWriter, r *http.Request, ev *scenarios.Event, subjects *[5]scenarios.Subject, gql bool) int {
	*subjects = [...]scenarios.Subject{
		{Kind: scenarios.SubjectToken, Value: ev.TokenID},
		{Kind: scenarios.SubjectIdentity, Value: ev.Identity},
		{Kind: scenarios.SubjectIdentity, Value: ev.Username},
		{Kind: scenarios.SubjectAddress, Value: ev.Addr},
		{Kind: scenarios.SubjectFingerprint, Value: ev.Fingerprint},
	}
	d, ok, err := g.store.Check(r.Context(), ev.Time, subjects[:])
	if err != nil {
		g.storeFailed("check", err)
		if g.failClosed {
			return g.deny(w, http.StatusForbidden, scenarios.Decision{ID: "store-unavailable", Action: scenarios.ActionBlock}, "decision store unavailable", gql)
		}
		d, ok, _ = g.local.Check(r.Context(), ev.Time, subjects[:])
	}
	if !ok {
		return 0
	}
	switch d.Action {
	case scenarios.ActionBlock:
		return g.deny(w, http.StatusForbidden, d, "blocked by abusegate guard", gql)
	case scenarios.ActionRevoke:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="revoked by abusegate guard"`)
		return g.deny(w, http.StatusUnauthorized, d, "credential revoked by abusegate guard", gql)
	case scenarios.ActionChallenge:
		w.Header().Set(ChallengeHeader, d.ID)
		return g.deny(w, http.StatusUnauthorized, d, "challenge required by abusegate guard", gql)
	case scenarios.ActionThrottle:
		wait, allowed := g.throttle(r.Context(), d, ev.Time)
		if allowed {
			return 0
		}
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		return g.deny(w, http.StatusTooManyRequests, d, "throttled by abusegate guard", gql)
	}
	return 0
}

// deny answers the request with code and returns it.
func (g *Guard) deny(w http.ResponseWriter, code int, d scenarios.Decision, msg string, gql bool) int {
	g.metrics.denied(d.Action.String())
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(DecisionHeader, d.ID)
	w.WriteHeader(code)
	body := deniedBody{Error: msg, Decision: d.ID}
	if gql {
		body.Errors = []deniedError{{Message: msg, Extensions: deniedErrorExt{Code: graphqlCode(code), Status: code, Decision: d.ID}}}
	}
	_ = json.NewEncoder(w).Encode(body)
	return code
}

// buckets are the throttles' token buckets, one per throttled subject. A
// throttle is adaptive: each escalation level halves its rate and burst.
type buckets struct {
	mu    sync.Mutex
	rules map[string]monitor.Throttle
	m     map[string]*bucket // decision id -> bucket
}

type bucket struct {
	tokens  float64
	last    time.Time
	expires time.Time
}

func newBuckets(p *monitor.Policy) *buckets {
	b := &buckets{rules: map[string]monitor.Throttle{}, m: map[string]*bucket{}}
	if p != nil {
		for _, r := range p.Rules {
			if r.Throttle.Rate > 0 {
				b.rules[r.Name] = r.Throttle
			}
		}
	}
	return b
}

// take spends a token of d's bucket; when empty it returns how long until
// the next one.
func (b *buckets) take(d scenarios.Decision, now time.Time) (time.Duration, bool) {
	rate, burst := b.limits(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	k := d.ID
	bk := b.m[k]
	if bk == nil {
		b.sweep(now)
		bk = &bucket{tokens: burst, last: now, expires: d.Expires}
		b.m[k] = bk
	}
	bk.tokens = math.Min(burst, bk.tokens+now.Sub(bk.last).Seconds()*rate)
	bk.last = now
	if bk.tokens >= 1 {
		bk.tokens--
		return 0, true
	}
	return time.Duration((1 - bk.tokens) / rate * float64(time.Second)), false
}

// limits are d's bucket rate (tokens a second) and burst: its rule's,
// halved at each escalation level.
func (b *buckets) limits(d scenarios.Decision) (rate, burst float64) {
	t, ok := b.rules[d.Rule]
	if !ok {
		t = monitor.Throttle{Rate: 1, Burst: 5}
	}
	scale := math.Exp2(-float64(d.Level))
	return t.Rate * scale, math.Max(1, float64(t.Burst)*scale)
}

func (b *buckets) sweep(now time.Time) {
	if len(b.m) < 1024 {
		return
	}
	for k, bk := range b.m {
		if !now.Before(bk.expires) {
			delete(b.m, k)
		}
	}
}
