package guard

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
)

// An oversized page is refused itself, before the upstream sees it; a page
// at exactly the documented maximum passes, and so does everyone else.
func TestEnforceRefusesOversizedPage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   Mode
		path   string
		code   int
		served int
	}{
		{"at the maximum", Enforce, "/products?limit=100", http.StatusOK, 1},
		{"over the maximum", Enforce, "/products?limit=1000000", http.StatusForbidden, 0},
		{"over, observe only", Observe, "/products?limit=1000000", http.StatusOK, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.mode)
			code, _, _ := r.do(t, "GET", tc.path, "", "")
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.served, r.back.count("GET /products"), "upstream requests")
			if tc.served == 1 && tc.mode == Enforce {
				assert.Empty(t, r.guard.Decisions())
				return
			}
			ds := r.guard.Decisions()
			require.NotEmpty(t, ds)
			assert.Equal(t, monitor.OversizeName, ds[0].Detector)
			assert.Contains(t, ds[0].Reason, "limit=1000000, over the spec's maximum of 100")
		})
	}
}

// A client that keeps asking while refused is blocked longer each time,
// and its ordinary pages are refused while the block lasts.
func TestEnforceOversizedRepeatsEscalate(t *testing.T) {
	r := newRig(t, Enforce)
	for range 3 {
		code, _, _ := r.do(t, "GET", "/products?limit=5000", "", "")
		require.Equal(t, http.StatusForbidden, code)
	}
	code, _, _ := r.do(t, "GET", "/products?limit=10", "", "")
	assert.Equal(t, http.StatusForbidden, code, "contained")
	assert.Zero(t, r.back.count("GET /products"))
	ds := r.guard.Decisions()
	require.Len(t, ds, 3)
	for i, d := range ds {
		assert.Equal(t, i, d.Level)
		assert.Equal(t, monitor.OversizeName, d.Detector)
	}
	assert.Greater(t, ds[2].Expires.Sub(ds[2].Time), ds[1].Expires.Sub(ds[1].Time))
}
