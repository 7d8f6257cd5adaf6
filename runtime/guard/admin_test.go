package guard

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func adminGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPI(t *testing.T) {
	r := newRigWith(t, Enforce, policyWith("block", ""), Options{})
	admin := httptest.NewServer(r.guard.Admin("s3cret"))
	t.Cleanup(admin.Close)

	code, _ := adminGet(t, admin.URL+"/decisions", "")
	assert.Equal(t, http.StatusUnauthorized, code, "the token is required")
	code, body := adminGet(t, admin.URL+"/healthz", "")
	assert.Equal(t, http.StatusOK, code, "health needs no token")
	assert.Equal(t, "ok\n", body)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", admin.URL+"/decisions/stream", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer s3cret")
	stream, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer stream.Body.Close()
	assert.Equal(t, "text/event-stream", stream.Header.Get("Content-Type"))

	tok := r.login(t, "mallory")
	r.walk(t, tok, 1, 3)

	sc := bufio.NewScanner(stream.Body)
	var streamed scenarios.Decision
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			require.NoError(t, json.Unmarshal([]byte(data), &streamed))
			break
		}
	}
	assert.Equal(t, "identity:mallory", streamed.Subject.String())
	assert.True(t, streamed.Enforced)

	code, body = adminGet(t, admin.URL+"/decisions", "s3cret")
	require.Equal(t, http.StatusOK, code)
	var listed []scenarios.Decision
	require.NoError(t, json.Unmarshal([]byte(body), &listed))
	require.Len(t, listed, 2)

	code, _, _ = r.do(t, "GET", "/users/9", tok, "")
	require.Equal(t, http.StatusForbidden, code)
	for _, d := range listed {
		del, err := http.NewRequest("DELETE", admin.URL+"/decisions/"+d.ID, nil)
		require.NoError(t, err)
		del.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(del)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	}
	code, _, _ = r.do(t, "GET", "/users/9", tok, "")
	assert.Equal(t, http.StatusOK, code, "lifted decisions no longer deny")

	code, body = adminGet(t, admin.URL+"/metrics", "s3cret")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `abusegate_guard_decisions_total{action="block",detector="enumeration"} 2`)
	assert.Contains(t, body, `abusegate_guard_requests_denied_total{action="block"} 1`)

	del, _ := http.NewRequest("DELETE", admin.URL+"/decisions/nope", nil)
	del.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(del)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
