package guard

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

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
	d, err := g.check(r, ev.Time, subjects[:])
	if err != nil {
		g.storeFailed("check", err)
		if g.failClosed {
			d := scenarios.Decision{ID: "store-unavailable", Action: scenarios.ActionBlock}
			return g.deny(w, refusal{http.StatusForbidden, "decision store unavailable", "", ""}, &d, gql)
		}
		d = g.local.check(ev.Time, subjects[:])
	}
	if d == nil {
		return 0
	}
	var ref refusal
	switch d.Action {
	case scenarios.ActionBlock:
		ref = refusal{http.StatusForbidden, "blocked by abusegate guard", "", ""}
	case scenarios.ActionRevoke:
		ref = refusal{http.StatusUnauthorized, "credential revoked by abusegate guard",
			wwwAuthenticate, `Bearer error="invalid_token", error_description="revoked by abusegate guard"`}
	case scenarios.ActionChallenge:
		ref = refusal{http.StatusUnauthorized, "challenge required by abusegate guard", ChallengeHeader, d.ID}
	case scenarios.ActionThrottle:
		wait, allowed := g.throttle(r.Context(), *d, ev.Time)
		if allowed {
			return 0
		}
		ref = refusal{http.StatusTooManyRequests, "throttled by abusegate guard",
			"Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))}
	default:
		return 0
	}
	return g.deny(w, ref, d, gql)
}

// check is the store's Check, the decision by pointer, nil when none
// applies: a memory store's own (never changed once stored), which saves
// copying a Decision of some 250 bytes out of it on every request; a
// shared store's is copied to the heap, only when one applies.
func (g *Guard) check(r *http.Request, now time.Time, subjects []scenarios.Subject) (*scenarios.Decision, error) {
	if s, ok := g.store.(*MemoryStore); ok {
		return s.check(now, subjects), nil
	}
	d, ok, err := g.store.Check(r.Context(), now, subjects)
	if !ok || err != nil {
		return nil, err
	}
	return &d, nil
}

// wwwAuthenticate is WWW-Authenticate as net/http keys it in a Header.
const wwwAuthenticate = "Www-Authenticate"

// refusal is the guard's answer to a request a decision refuses: its
// status, the error its body gives and, for some actions, one more header
// (its name canonical, as deny stores it without canonicalising).
type refusal struct {
	code          int
	msg           string
	header, value string
}

// deny answers the request with ref and returns its status. It writes
// what http.Header.Set and a json.Encoder would, without either: a
// contained abuser who keeps sending gets one refusal after another, so
// each must be cheap.
func (g *Guard) deny(w http.ResponseWriter, ref refusal, d *scenarios.Decision, gql bool) int {
	g.metrics.denied(d.Action)
	a := &answer{vals: [...]string{"application/json", d.ID, ref.value}}
	h := w.Header()
	h["Content-Type"] = a.vals[0:1:1]
	h[DecisionHeader] = a.vals[1:2:2]
	if ref.header != "" {
		h[ref.header] = a.vals[2:3:3]
	}
	w.WriteHeader(ref.code)
	_, _ = w.Write(appendDenied(a.body[:0], ref.code, ref.msg, d.ID, gql))
	return ref.code
}

// answer is what deny writes, in one allocation: the header values, each
// capped at its length (whoever appends to one copies it), and room for a
// REST refusal's body (64 bytes and the decision id; a longer one grows).
type answer struct {
	vals [3]string
	body [96]byte
}

// appendDenied appends the JSON body of a refusal of status with msg by
// decision id, as a json.Encoder writes it (newline included):
//
//	{"error":msg,"decision":id}
//
// A GraphQL request gets the same HTTP status (so clients and the oracle
// read a denial the same way on either API) and, beside error and
// decision, a GraphQL errors list whose extensions carry the code
// (FORBIDDEN, UNAUTHENTICATED, RATE_LIMITED), the status and the
// decision, for GraphQL clients:
//
//	{"error":msg,"decision":id,"errors":[{"message":msg,
//	 "extensions":{"code":code,"status":status,"decision":id}}]}
func appendDenied(b []byte, status int, msg, id string, gql bool) []byte {
	b = append(b, `{"error":`...)
	b = appendJSONString(b, msg)
	b = append(b, `,"decision":`...)
	b = appendJSONString(b, id)
	if gql {
		b = append(b, `,"errors":[{"message":`...)
		b = appendJSONString(b, msg)
		b = append(b, `,"extensions":{"code":`...)
		b = appendJSONString(b, graphqlCode(status))
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, `,"decision":`...)
		b = appendJSONString(b, id)
		b = append(b, `}}]`...)
	}
	return append(b, "}\n"...)
}

// appendJSONString appends s as encoding/json writes a string: quoted
// as it is when every byte stands for itself (ids and messages do), else
// by encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if !jsonPlain[s[i]] {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonPlain says which bytes encoding/json writes in a string as they
// are: ASCII from the space up but the quote, the backslash and the HTML
// characters it escapes. Never changed after it is made.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return t
}()

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
