package guard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// The guard reads how many units an add-to-cart asks to hold, and leaves
// the body intact for the upstream.
func TestCartUnits(t *testing.T) {
	op := &scenarios.Operation{Method: "POST", Path: "/cart/items", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCart}}}
	for _, tc := range []struct {
		name, method, body string
		units              int
	}{
		{"quantity", "POST", `{"product_id":3,"quantity":100}`, 100},
		{"qty as a string", "POST", `{"sku":"a","qty":"7"}`, 7},
		{"no quantity: one item", "POST", `{"product_id":3}`, 1},
		{"no body", "POST", ``, 1},
		{"not JSON", "POST", `quantity=5`, 1},
		{"negative", "POST", `{"quantity":-5}`, 1},
		{"fractional", "POST", `{"quantity":2.5}`, 1},
		{"a read holds nothing", "GET", ``, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/cart/items", strings.NewReader(tc.body))
			var ev scenarios.Event
			business(r, op, &ev)
			assert.Equal(t, tc.units, ev.Units)
			rest, err := io.ReadAll(r.Body)
			assert.NoError(t, err)
			assert.Equal(t, tc.body, string(rest), "the upstream gets the body unchanged")
		})
	}
}

// An add-to-cart past what one account may hold unpaid is refused before
// the upstream holds the stock; a shopper's ordinary adds pass.
func TestEnforceRefusesHoardingAdd(t *testing.T) {
	r := newRig(t, Enforce)
	shopper := r.login(t, "shopper")
	hoarder := r.login(t, "hoarder")
	for range 3 {
		code, _, _ := r.do(t, "POST", "/cart/items", shopper, `{"product_id":1,"quantity":20}`)
		require.Equal(t, http.StatusOK, code)
	}
	code, _, _ := r.do(t, "POST", "/cart/items", hoarder, `{"product_id":1,"quantity":100000}`)
	assert.Equal(t, http.StatusForbidden, code)
	assert.Equal(t, 3, r.back.count("POST /cart/items"), "the upstream never held the hoard")
	ds := r.guard.Decisions()
	require.NotEmpty(t, ds)
	assert.Equal(t, monitor.HoardingName, ds[0].Detector)
	assert.Equal(t, "hoarder", ds[0].Subject.Value)
	assert.Contains(t, ds[0].Reason, "would hold 100000 units")
}
