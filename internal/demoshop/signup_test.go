package demoshop

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Signed-up accounts log in at once, read their own profile, and are as
// enumerable as the seeded ones (their ids follow on).
func TestSignupCreatesAccountsThatLogIn(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	resp := callJSON[signupResponse](t, ts, http.StatusOK, http.MethodPost, "/signup", "",
		signupRequest{Username: "farm.0001", Email: "farm.0001@example.com", Password: "Spring2024!x"})
	assert.Equal(t, signupResponse{UserID: 6, Username: "farm.0001"}, resp)
	assert.Equal(t, 1, ts.SignedUp())

	token := ts.login(t, Account{Username: "farm.0001", Password: "Spring2024!x"})
	me := callJSON[User](t, ts, http.StatusOK, http.MethodGet, "/users/me", token, nil)
	assert.Equal(t, int64(6), me.ID)
	assert.Equal(t, "farm.0001", me.Name, "the name defaults to the username")

	other := ts.login(t, ts.Accounts()[0])
	u := callJSON[User](t, ts, http.StatusOK, http.MethodGet, "/users/6", other, nil)
	assert.Equal(t, "farm.0001@example.com", u.Email)
	status, _ := ts.call(t, http.MethodGet, "/users/7", other, nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestSignupRejects(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	seeded := ts.Accounts()[0].Username
	ok := signupRequest{Username: "new.user", Email: "new.user@example.com", Password: "longenough"}
	tests := []struct {
		name   string
		mutate func(*signupRequest)
		status int
		msg    string
	}{
		{"short username", func(r *signupRequest) { r.Username = "ab" }, http.StatusBadRequest, "username must be"},
		{"username with a space", func(r *signupRequest) { r.Username = "a b c" }, http.StatusBadRequest, "username must be"},
		{"no email", func(r *signupRequest) { r.Email = "" }, http.StatusBadRequest, "email must be"},
		{"short password", func(r *signupRequest) { r.Password = "short" }, http.StatusBadRequest, "password must be"},
		{"long name", func(r *signupRequest) { r.Name = strings.Repeat("n", 129) }, http.StatusBadRequest, "name must be"},
		{"seeded username", func(r *signupRequest) { r.Username = seeded }, http.StatusConflict, "taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.mutate(&req)
			status, body := ts.call(t, http.MethodPost, "/signup", "", req)
			assert.Equal(t, tt.status, status)
			assert.Contains(t, string(body), tt.msg)
		})
	}
	status, _ := ts.call(t, http.MethodPost, "/signup", "", ok)
	require.Equal(t, http.StatusOK, status)
	status, body := ts.call(t, http.MethodPost, "/signup", "", ok)
	assert.Equal(t, http.StatusConflict, status, "a signed-up username is taken too: %s", body)
	assert.Equal(t, 1, ts.SignedUp())
}

// Mass sign-up is the flaw: nothing stops one client creating accounts
// concurrently, and every one of them gets a distinct id.
func TestSignupHasNoLimit(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				name := fmt.Sprintf("bot%d.%d", w, i)
				status, body := ts.call(t, http.MethodPost, "/signup", "", signupRequest{Username: name, Email: name + "@example.com", Password: "Password123"})
				assert.Equal(t, http.StatusOK, status, "%s", body)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 200, ts.SignedUp())
	ts.signups.mu.RLock()
	defer ts.signups.mu.RUnlock()
	for id := int64(6); id < 206; id++ {
		assert.Contains(t, ts.signups.byID, id)
	}
}

// The GraphQL signup mutation is the same handler; aliases put several
// sign-ups in one request.
func TestGraphQLSignupWithAliases(t *testing.T) {
	ts := start(t, New(Options{Users: 5, Products: 5}))
	r := ts.gql(t, "", `mutation($p: String!) {
		a: signup(username: "alias.a", email: "a@example.com", password: $p) { userId username }
		b: signup(username: "alias.b", email: "b@example.com", password: $p, name: "B") { userId }
		c: signup(username: "x", email: "c@example.com", password: $p) { userId }
	}`, map[string]any{"p": "Password123"})
	assert.Equal(t, "6", field[struct{ UserID string }](t, r, "a").UserID)
	assert.Equal(t, "7", field[struct{ UserID string }](t, r, "b").UserID)
	assert.JSONEq(t, "null", string(r.Data["c"]))
	require.Len(t, r.Errors, 1)
	assert.Contains(t, r.Errors[0].Message, "username must be")
	assert.EqualValues(t, http.StatusBadRequest, r.Errors[0].Extensions["status"])
	assert.Equal(t, 2, ts.SignedUp())
	gqlLoginToken(t, ts, Account{ID: 7, Username: "alias.b", Password: "Password123"})
}
