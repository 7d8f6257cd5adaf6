package guard

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// shopRig is the demo shop's GraphQL API behind an enforcing guard with
// the default policy; hits counts the requests that reached the shop.
type shopRig struct {
	shop  *demoshop.Shop
	front *httptest.Server
	guard *Guard
	mon   *monitor.Monitor
	clock *fakeClock
	hits  atomic.Int64
}

func newShopRig(t *testing.T) *shopRig {
	t.Helper()
	r := &shopRig{shop: demoshop.New(demoshop.Options{Seed: 1}), clock: newFakeClock()}
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		r.shop.ServeHTTP(w, req)
	}))
	t.Cleanup(back.Close)
	u, err := url.Parse(back.URL)
	require.NoError(t, err)
	surface := shopGraphQL(t)
	r.mon = monitor.New(surface, monitor.Config{})
	r.guard, err = New(u, r.mon, Options{Mode: Enforce, Now: r.clock.Now, Surface: surface})
	require.NoError(t, err)
	r.front = newFront(t, r.guard)
	return r
}

// gqlAnswerOf is a GraphQL answer as a client reads it.
type gqlAnswerOf struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends a GraphQL body through the guard.
func (r *shopRig) post(t *testing.T, token, body string) (int, http.Header, gqlAnswerOf) {
	t.Helper()
	r.clock.Advance(250 * time.Millisecond)
	req, err := http.NewRequest("POST", r.front.URL+"/graphql", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.front.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var a gqlAnswerOf
	if resp.StatusCode == http.StatusOK || resp.StatusCode >= 400 {
		require.NoError(t, json.Unmarshal(raw, &a), "%s", raw)
	}
	return resp.StatusCode, resp.Header, a
}

func logins(pairs ...[2]string) string {
	var fields []string
	vars := map[string]string{}
	var decls []string
	for i, p := range pairs {
		decls = append(decls, fmt.Sprintf("$u%d: String!, $p%d: String!", i, i))
		fields = append(fields, fmt.Sprintf("a%d: login(username: $u%d, password: $p%d) { token userId }", i, i, i))
		vars[fmt.Sprintf("u%d", i)], vars[fmt.Sprintf("p%d", i)] = p[0], p[1]
	}
	b, _ := json.Marshal(map[string]any{"query": "mutation Attempts(" + strings.Join(decls, ", ") + ") { " + strings.Join(fields, " ") + " }", "variables": vars})
	return string(b)
}

func userReads(ids ...int) string {
	var fields []string
	for _, id := range ids {
		fields = append(fields, fmt.Sprintf("r%d: user(id: %d) { name email }", id, id))
	}
	b, _ := json.Marshal(map[string]string{"query": "query Enumerate { " + strings.Join(fields, " ") + " }"})
	return string(b)
}

// A login that succeeds among failed ones teaches the guard its token, so
// that token's requests are scored as the account; three attempts are no
// amplification.
func TestGraphQLLoginLearnsTokenPerAlias(t *testing.T) {
	r := newShopRig(t)
	ann, bob := r.shop.Accounts()[0], r.shop.Accounts()[1]
	code, _, a := r.post(t, "", logins([2]string{ann.Username, ann.Password}, [2]string{ann.Username, "wrong"}, [2]string{bob.Username, "wrong"}))
	require.Equal(t, http.StatusOK, code)
	var ok struct{ Token string }
	require.NoError(t, json.Unmarshal(a.Data["a0"], &ok))
	require.NotEmpty(t, ok.Token)
	assert.Equal(t, "null", string(a.Data["a1"]))
	assert.Equal(t, ann.Username, r.mon.Identity(scenarios.TokenID(ok.Token)))
	assert.Empty(t, r.guard.Decisions())
}

// Aliased user(id) reads are counted one by one: four to a request stays
// under the amplification limit, and the fourth request completes a
// counter walk of 16. The contained identity's token is then refused on
// the GraphQL endpoint, with a GraphQL errors body beside the 403.
func TestGraphQLEnumerationContainedPerAlias(t *testing.T) {
	r := newShopRig(t)
	ann := r.shop.Accounts()[0]
	code, _, a := r.post(t, "", logins([2]string{ann.Username, ann.Password}))
	require.Equal(t, http.StatusOK, code)
	var tok struct{ Token string }
	require.NoError(t, json.Unmarshal(a.Data["a0"], &tok))

	var codes []int
	for i := range 6 {
		c, _, _ := r.post(t, tok.Token, userReads(2+4*i, 3+4*i, 4+4*i, 5+4*i))
		codes = append(codes, c)
	}
	assert.Equal(t, []int{200, 200, 200, 200, 403, 403}, codes)
	ds := r.guard.Decisions()
	require.NotEmpty(t, ds)
	assert.Equal(t, monitor.EnumerationName, ds[0].Detector)
	assert.Equal(t, scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: ann.Username}, ds[0].Subject)
	assert.Contains(t, ds[0].Reason, "16 distinct QUERY user objects")

	code, h, denied := r.post(t, tok.Token, `{"query":"{ me { id } }"}`)
	assert.Equal(t, http.StatusForbidden, code)
	assert.NotEmpty(t, h.Get(DecisionHeader))
	require.Len(t, denied.Errors, 1)
	assert.Equal(t, "FORBIDDEN", denied.Errors[0].Extensions["code"])
	assert.Equal(t, h.Get(DecisionHeader), denied.Errors[0].Extensions["decision"])
}

// One request of a hundred aliased guesses is refused on its shape: the
// shop never sees it, so not one guess is tried.
func TestGraphQLAmplifiedRequestRefusedBeforeTheUpstream(t *testing.T) {
	r := newShopRig(t)
	victim := r.shop.Accounts()[3]
	var guesses [][2]string
	for i := range 99 {
		guesses = append(guesses, [2]string{victim.Username, fmt.Sprintf("guess%d", i)})
	}
	guesses = append(guesses, [2]string{victim.Username, victim.Password})
	code, _, a := r.post(t, "", logins(guesses...))
	assert.Equal(t, http.StatusForbidden, code)
	assert.Nil(t, a.Data, "no token leaves")
	assert.Zero(t, r.hits.Load(), "the shop never saw the request")
	ds := r.guard.Decisions()
	require.NotEmpty(t, ds)
	assert.Equal(t, monitor.AmplificationName, ds[0].Detector)
	assert.Equal(t, scenarios.ActionBlock, ds[0].Action)
	assert.Contains(t, ds[0].Reason, "100 copies of the sensitive field MUTATION login")
}

// What the guard cannot read goes to the upstream, which answers it; the
// guard counts it and neither refuses it nor falls over.
func TestGraphQLMalformedPassesThrough(t *testing.T) {
	r := newShopRig(t)
	for _, body := range []string{`{"query":"{ user(id: "}`, `not json`, `{"query":"{ __typename }"}`} {
		code, _, _ := r.post(t, "", body)
		assert.NotEqual(t, http.StatusForbidden, code, body)
	}
	assert.Equal(t, int64(3), r.hits.Load())
	assert.Equal(t, 1.0, counterValue(t, r.guard.metrics.graphqlReqs.WithLabelValues("unreadable")))
	assert.Equal(t, 1.0, counterValue(t, r.guard.metrics.graphqlReqs.WithLabelValues("malformed")))
	assert.Equal(t, 2.0, counterValue(t, r.guard.metrics.graphqlReqs.WithLabelValues("no-operation")))
	assert.Empty(t, r.guard.Decisions())
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}
