package demoshop

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// testShop is a shop behind a real HTTP server.
type testShop struct {
	*Shop
	srv *httptest.Server
}

// start serves shop on a real listener for the test's lifetime.
func start(t *testing.T, shop *Shop) *testShop {
	t.Helper()
	srv := httptest.NewServer(shop)
	t.Cleanup(srv.Close)
	return &testShop{Shop: shop, srv: srv}
}

// call sends a request with an optional bearer token and JSON body (a
// string is sent verbatim) and returns the status and raw body.
func (ts *testShop) call(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, ts.srv.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(raw) > 0 {
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "body: %s", raw)
	}
	return resp.StatusCode, raw
}

// callJSON is call that requires status want and decodes the body into T.
func callJSON[T any](t *testing.T, ts *testShop, want int, method, path, token string, body any) T {
	t.Helper()
	status, raw := ts.call(t, method, path, token, body)
	require.Equal(t, want, status, "body: %s", raw)
	var v T
	require.NoError(t, json.Unmarshal(raw, &v), "body: %s", raw)
	return v
}

// login logs in as account a and returns its token.
func (ts *testShop) login(t *testing.T, a Account) string {
	t.Helper()
	resp := callJSON[loginResponse](t, ts, http.StatusOK, http.MethodPost, "/login", "",
		loginRequest{Username: a.Username, Password: a.Password})
	return resp.Token
}
