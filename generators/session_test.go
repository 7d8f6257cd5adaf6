package generators

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// A static credential is logged in from the start: no login request, and
// every request carries it where its kind says.
func TestSessionStaticCredential(t *testing.T) {
	login := scenarios.Auth{Path: "/login", UsernameField: "u", PasswordField: "p", TokenField: "token"}
	for _, tc := range []struct {
		name   string
		auth   scenarios.Auth
		id     scenarios.Identity
		header string
		want   string
		secret string
	}{
		{"api-key header", scenarios.Auth{TokenIn: "header:X-API-Key"}, scenarios.Identity{Username: "key-1", Credential: "api-key", Key: "k1"}, "X-API-Key", "k1", "k1"},
		{"api-key cookie", scenarios.Auth{TokenIn: "cookie:sid"}, scenarios.Identity{Credential: "api-key", Key: "k2"}, "Cookie", "sid=k2", "k2"},
		{"bearer beside a login", login, scenarios.Identity{Credential: "bearer", Key: "t1"}, "Authorization", "Bearer t1", "t1"},
		{"basic", scenarios.Auth{}, scenarios.Identity{Username: "ann", Password: "pw", Credential: "basic"}, "Authorization", "Basic YW5uOnB3", "ann:pw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.auth, tc.id, "sc/vu0")
			require.True(t, s.LoggedIn())
			req, login, stop := s.Drive(nil)
			assert.False(t, login)
			assert.False(t, stop)
			assert.Empty(t, req.Method)
			// A denial cannot be answered with a new login: it carries on.
			_, login, stop = s.Drive(&scenarios.Result{Status: http.StatusForbidden})
			assert.False(t, login || stop)
			assert.Equal(t, tc.want, s.Header().Get(tc.header))
			got := s.Session()
			assert.Equal(t, scenarios.TokenID(tc.secret), got.TokenID)
			assert.Equal(t, "sc/vu0/1", got.ID)
		})
	}
}

// Without a credential the session still logs in first.
func TestSessionPasswordLogsIn(t *testing.T) {
	s := NewSession(scenarios.Auth{Path: "/login", UsernameField: "u", PasswordField: "p", TokenField: "token"}, scenarios.Identity{Username: "a", Password: "b"}, "x")
	require.False(t, s.LoggedIn())
	req, login, _ := s.Drive(nil)
	assert.True(t, login)
	assert.Equal(t, "/login", req.Path)
	assert.Empty(t, s.Header())
}
