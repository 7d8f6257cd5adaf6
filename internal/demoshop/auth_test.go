package demoshop

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogin(t *testing.T) {
	ts := start(t, New(Options{Seed: 1}))
	alice := ts.Accounts()[0]

	tests := []struct {
		name   string
		body   any
		status int
		err    string
	}{
		{"valid credentials", loginRequest{alice.Username, alice.Password}, http.StatusOK, ""},
		{"wrong password", loginRequest{alice.Username, alice.Password + "x"}, http.StatusUnauthorized, "invalid credentials"},
		{"unknown user", loginRequest{"nobody", "secret"}, http.StatusUnauthorized, "invalid credentials"},
		{"missing password", loginRequest{Username: alice.Username}, http.StatusBadRequest, "username and password are required"},
		{"malformed JSON", `{"username":`, http.StatusBadRequest, "malformed JSON body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status != http.StatusOK {
				got := callJSON[errorBody](t, ts, tc.status, http.MethodPost, "/login", "", tc.body)
				assert.Equal(t, tc.err, got.Error)
				return
			}
			got := callJSON[loginResponse](t, ts, http.StatusOK, http.MethodPost, "/login", "", tc.body)
			assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), got.Token)
			assert.Equal(t, alice.ID, got.UserID)
			assert.Equal(t, TokenTTL, got.ExpiresIn)
		})
	}
}

func TestBOLA(t *testing.T) {
	ts := start(t, New(Options{Seed: 2}))
	accounts := ts.Accounts()
	a, b := accounts[0], accounts[41]
	tokenA := ts.login(t, a)

	got := callJSON[map[string]any](t, ts, http.StatusOK, http.MethodGet, fmt.Sprintf("/users/%d", b.ID), tokenA, nil)
	assert.EqualValues(t, b.ID, got["id"], "user A reads user B's profile")
	assert.Equal(t, b.Username, got["username"])
	for _, field := range []string{"name", "email", "address"} {
		assert.NotEmpty(t, got[field], field)
	}
	assert.NotContains(t, got, "password")

	me := callJSON[User](t, ts, http.StatusOK, http.MethodGet, "/users/me", tokenA, nil)
	assert.Equal(t, a.ID, me.ID)
}

func TestUsersErrors(t *testing.T) {
	ts := start(t, New(Options{Seed: 3}))
	token := ts.login(t, ts.Accounts()[0])

	tests := []struct {
		name   string
		path   string
		token  string
		status int
	}{
		{"no token", "/users/2", "", http.StatusUnauthorized},
		{"invalid token", "/users/2", "00000000000000000000000000000000", http.StatusUnauthorized},
		{"no token on me", "/users/me", "", http.StatusUnauthorized},
		{"unknown id", fmt.Sprintf("/users/%d", ts.Users()+1), token, http.StatusNotFound},
		{"zero id", "/users/0", token, http.StatusNotFound},
		{"non-integer id", "/users/abc", token, http.StatusBadRequest},
		{"no token on cart", "/cart", "", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := callJSON[errorBody](t, ts, tc.status, http.MethodGet, tc.path, tc.token, nil)
			assert.NotEmpty(t, got.Error)
		})
	}
}

func TestNoTokenOnWrites(t *testing.T) {
	ts := start(t, New(Options{Seed: 3}))
	for _, path := range []string{"/cart/items", "/cart/coupons", "/checkout"} {
		t.Run(path, func(t *testing.T) {
			status, _ := ts.call(t, http.MethodPost, path, "", `{}`)
			assert.Equal(t, http.StatusUnauthorized, status)
		})
	}
}

func TestDeterminism(t *testing.T) {
	first := func(seed int64) ([]Account, string) {
		ts := start(t, New(Options{Seed: seed}))
		accounts := ts.Accounts()
		return accounts, ts.login(t, accounts[9])
	}
	a1, tok1 := first(7)
	a2, tok2 := first(7)
	a3, tok3 := first(8)

	require.Len(t, a1, DefaultUsers)
	assert.Equal(t, a1, a2, "same seed, same accounts")
	assert.Equal(t, tok1, tok2, "same seed, same first token")
	assert.NotEqual(t, a1, a3, "another seed, other accounts")
	assert.NotEqual(t, tok1, tok3)

	usernames := make(map[string]bool)
	for i, a := range a1 {
		assert.Equal(t, int64(i+1), a.ID)
		assert.NotEmpty(t, a.Password)
		assert.False(t, usernames[a.Username], "duplicate username %q", a.Username)
		usernames[a.Username] = true
	}
}

func TestTokensAreDistinct(t *testing.T) {
	ts := start(t, New(Options{Seed: 4}))
	a := ts.Accounts()[0]
	assert.NotEqual(t, ts.login(t, a), ts.login(t, a), "every login issues a fresh token")
}
