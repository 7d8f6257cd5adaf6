package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// policyWith makes the enumeration of 3 objects trigger action.
func policyWith(action, extra string) string {
	return fmt.Sprintf(`version: 1
detectors:
  enumeration: {window: 10s, distinct: 3, suspicious: 3}
rules:
  - {name: r, action: %s, ttl: 1m, subjects: [identity, token]%s}
`, action, extra)
}

func TestActions(t *testing.T) {
	tests := []struct {
		action, extra string
		code          int
		header        string
	}{
		{action: "block", code: http.StatusForbidden, header: DecisionHeader},
		{action: "challenge", code: http.StatusUnauthorized, header: ChallengeHeader},
		{action: "revoke", code: http.StatusUnauthorized, header: "WWW-Authenticate"},
		{action: "throttle", extra: ", throttle: {rate: 1/s, burst: 2}", code: http.StatusTooManyRequests, header: "Retry-After"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			r := newRigWith(t, Enforce, policyWith(tt.action, tt.extra), Options{})
			tok := r.login(t, "mallory")
			r.walk(t, tok, 1, 3)
			var code int
			var hdr http.Header
			for range 3 { // a throttle lets its burst through first
				code, hdr, _ = r.do(t, "GET", "/users/9", tok, "")
			}
			assert.Equal(t, tt.code, code)
			assert.NotEmpty(t, hdr.Get(tt.header))
			other := r.login(t, "alice")
			code, _, _ = r.do(t, "GET", "/users/9", other, "")
			assert.Equal(t, http.StatusOK, code, "other users pass")
		})
	}
}

func TestThrottleRefills(t *testing.T) {
	r := newRigWith(t, Enforce, policyWith("throttle", ", throttle: {rate: 1/s, burst: 1}"), Options{})
	tok := r.login(t, "mallory")
	r.walk(t, tok, 1, 3)
	code, _, _ := r.do(t, "GET", "/users/9", tok, "")
	require.Equal(t, http.StatusOK, code, "the burst")
	code, _, _ = r.do(t, "GET", "/users/9", tok, "")
	require.Equal(t, http.StatusTooManyRequests, code)
	r.clock.Advance(time.Second)
	code, _, _ = r.do(t, "GET", "/users/9", tok, "")
	assert.Equal(t, http.StatusOK, code, "a token per second")
}

func TestObserveNeverDeniesAnyAction(t *testing.T) {
	r := newRigWith(t, Observe, policyWith("block", ""), Options{})
	tok := r.login(t, "mallory")
	assert.Equal(t, repeat(http.StatusOK, 10), r.walk(t, tok, 1, 10))
	require.NotEmpty(t, r.guard.Decisions())
	assert.False(t, r.guard.Decisions()[0].Enforced)
}

func TestMiddleware(t *testing.T) {
	r := newRigWith(t, Enforce, policyWith("block", ""), Options{})
	g, err := NewMiddleware(r.mon, Options{Mode: Enforce, Now: r.clock.Now, Surface: shopSurface()})
	require.NoError(t, err)
	served := 0
	h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served++
		_, _ = w.Write([]byte(`{}`))
	}))
	codes := make([]int, 0, 5)
	for i := range 5 {
		req, _ := http.NewRequest("GET", fmt.Sprintf("/users/%d", i), nil)
		req.RemoteAddr = "10.0.0.1:1234"
		req.Header.Set("Authorization", "Bearer t")
		w := newRecorderWriter()
		h.ServeHTTP(w, req)
		codes = append(codes, w.code)
	}
	assert.Equal(t, []int{200, 200, 200, 403, 403}, codes)
	assert.Equal(t, 3, served)
	assert.Equal(t, scenarios.SubjectToken, g.Decisions()[0].Subject.Kind)
}

// deniedBody is the refusal body as encoding/json wrote it before
// appendDenied, kept to pin that the bytes on the wire did not change.
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

// TestDeniedBodyUnchanged compares appendDenied with a json.Encoder of
// deniedBody, on the guard's messages and ids that need escaping
// (quotes, HTML, control bytes, non-ASCII, invalid UTF-8).
func TestDeniedBodyUnchanged(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		q, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(q) == `"`+s+`"`, jsonPlain[c], "byte %#x", c)
	}
	msgs := []string{"blocked by abusegate guard", "throttled by abusegate guard", "decision store unavailable", ""}
	ids := []string{"sim-12", "store-unavailable", `a"b\c`, "<script>&", "tab\there\n", "ünï", "\xff\xfe", "line\u2028sep", "\x7f", ""}
	for _, status := range []int{http.StatusForbidden, http.StatusUnauthorized, http.StatusTooManyRequests} {
		for _, msg := range append(msgs, ids...) {
			for _, id := range ids {
				for _, gql := range []bool{false, true} {
					want := deniedBody{Error: msg, Decision: id}
					if gql {
						want.Errors = []deniedError{{Message: msg, Extensions: deniedErrorExt{Code: graphqlCode(status), Status: status, Decision: id}}}
					}
					var buf bytes.Buffer
					require.NoError(t, json.NewEncoder(&buf).Encode(want))
					require.Equal(t, buf.String(), string(appendDenied(nil, status, msg, id, gql)), "status %d msg %q id %q gql %v", status, msg, id, gql)
				}
			}
		}
	}
}

// TestDenyHeaders pins that deny's headers are what Header.Set gives: it
// stores them under names it does not canonicalise.
func TestDenyHeaders(t *testing.T) {
	for _, k := range []string{"Content-Type", DecisionHeader, ChallengeHeader, wwwAuthenticate, "Retry-After"} {
		assert.Equal(t, http.CanonicalHeaderKey(k), k)
	}
	g, err := NewMiddleware(nil, Options{Mode: Off})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "text/plain")
	code := g.deny(w, refusal{http.StatusTooManyRequests, "throttled by abusegate guard", "Retry-After", "3"},
		&scenarios.Decision{ID: "d-1", Action: scenarios.ActionThrottle}, false)
	assert.Equal(t, http.StatusTooManyRequests, code)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}, DecisionHeader: {"d-1"}, "Retry-After": {"3"}}, w.Header())
	assert.Equal(t, `{"error":"throttled by abusegate guard","decision":"d-1"}`+"\n", w.Body.String())
	w.Header()["Retry-After"] = append(w.Header()["Retry-After"], "4")
	assert.Equal(t, []string{"d-1"}, w.Header()[DecisionHeader], "an append copies the value it grows")
}
