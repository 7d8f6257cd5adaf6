package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
)

// couponRepeat is a scenario that redeems one code again and again on one
// cart: only a detector that reads the code in the request body can tell
// it from an attacker adding items.
const couponRepeat = `scenarios:
  - id: coupon-repeat
    kind: rest.coupon-stacking
    operations:
      - operation: "POST /cart/coupons"
      - operation: "POST /cart/items"
      - operation: "POST /checkout"
      - operation: "GET /products"
    executor: per-vu-iterations
    vus: 1
    iterations: 1
    start: 300ms
    duration: 3s
    think: {dist: constant, mean: 20ms}
    identities: attackers
    budget: {requests: 200}
    params:
      cart: "POST /cart/items"
      checkout: "POST /checkout"
      code_field: "code"
      codes: "WELCOME10"
      coupon: "POST /cart/coupons"
      list: "GET /products"
      mode: "repeat"
      product_field: "product_id"
      quantity: "1"
      quantity_field: "quantity"
      repeat: "8"
`

// The shadow monitor reads what the guard would read in request bodies:
// the coupon code a redemption tried, so it tells a repeated code apart.
func TestShadowReadsBusinessFields(t *testing.T) {
	shop := httptest.NewServer(demoshop.New(demoshop.Options{Seed: 1}))
	t.Cleanup(shop.Close)
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: shop.URL, sla: "  max_leak: 1000000\n"})
	plan, err := os.ReadFile(p)
	require.NoError(t, err)
	start, end := strings.Index(string(plan), "scenarios:\n"), strings.Index(string(plan), "detection:\n")
	require.True(t, start > 0 && end > start)
	plan = []byte(string(plan[:start]) + couponRepeat + string(plan[end:]))
	require.NoError(t, os.WriteFile(p, plan, 0o600))

	out := filepath.Join(dir, "r")
	code, _, errOut := cli(t, "run", "-c", p, "--report-dir", out, "--progress", "off")
	require.NotEqual(t, exitUsage, code, errOut)
	rep := readRunReport(t, out)
	require.Len(t, rep.Scenarios, 1, errOut)
	sc := rep.Scenarios[0]
	assert.Positive(t, sc.LeakTotal, "the repeated code took money off the unguarded shop")
	require.NotNil(t, sc.DetectedBy, "the shadow detected the repeated code")
	assert.Equal(t, "coupon", sc.DetectedBy.Detector)
	assert.Contains(t, sc.DetectedBy.Reason, "WELCOME10", "the shadow's reason names the code it read in the body")
}
