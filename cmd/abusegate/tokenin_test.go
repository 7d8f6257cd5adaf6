package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
)

// tokenFront serves the demo shop to clients that carry their token in
// one place only (a header or a cookie), as an API gateway in front of it
// would: it moves the token into the Authorization header the shop reads
// and refuses requests that send it anywhere else. It counts the requests
// that carried a token where it wants it.
func tokenFront(t *testing.T, header, cookie string) (string, *atomic.Int64) {
	t.Helper()
	shop := demoshop.New(demoshop.Options{Seed: 1})
	var carried atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "send the token in "+header+cookie, http.StatusBadRequest)
			return
		}
		tok := ""
		if header != "" {
			tok = r.Header.Get(header)
		}
		if c, err := r.Cookie(cookie); cookie != "" && err == nil {
			tok = c.Value
		}
		if tok != "" {
			carried.Add(1)
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		shop.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &carried
}

// A plan's auth.token_in decides where every VU sends its token: the
// enumeration reads foreign records through a front that only takes the
// token from that place, and reads none when the plan says bearer.
func TestRunHonoursTokenIn(t *testing.T) {
	tests := []struct {
		name           string
		header, cookie string
		tokenIn        string
		leaks          bool
	}{
		{"header", "X-Auth-Token", "", "header:X-Auth-Token", true},
		{"cookie", "", "sid", "cookie:sid", true},
		{"bearer against a header-only front", "X-Auth-Token", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			front, carried := tokenFront(t, tt.header, tt.cookie)
			dir := t.TempDir()
			p := writeTestPlan(t, dir, planOptions{target: front, tokenIn: tt.tokenIn, sla: "  max_benign: 100\n"})
			out := filepath.Join(dir, "r")
			_, _, errOut := cli(t, "run", "-c", p, "--report-dir", out, "--progress", "off", "--shadow=false")
			rep := readRunReport(t, out)
			require.Len(t, rep.Scenarios, 1, errOut)
			if !tt.leaks {
				assert.Zero(t, rep.Scenarios[0].LeakTotal)
				assert.Zero(t, carried.Load())
				return
			}
			assert.Positive(t, rep.Scenarios[0].LeakTotal, "foreign records read with the token in %s", tt.tokenIn)
			assert.Positive(t, carried.Load())
		})
	}
}
