package vu

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

var signupOp = scenarios.Operation{ID: "signup", Method: http.MethodPost, Path: "/signup",
	RequestFields: []string{"username", "email", "password", "name"}, Roles: []scenarios.RoleTag{{Role: scenarios.RoleSignup}}}

// TestSignupFillsAPoolThatLogsIn creates accounts through the demoshop's
// own POST /signup, then every VU logs in as one of them.
func TestSignupFillsAPoolThatLogsIn(t *testing.T) {
	shop := demoshop.New(demoshop.Options{Users: 5, Products: 5})
	srv := httptest.NewServer(shop)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)

	op, ok := SignupOperation(scenarios.Surface{Operations: []scenarios.Operation{{Method: "GET", Path: "/products"}, signupOp}})
	require.True(t, ok)
	var rec Recorder
	pool, err := Signup{Operation: op, Accounts: 12, Seed: 7, VUs: 4}.FillPool(t.Context(), &Runner{Target: u}, &rec)
	require.NoError(t, err)
	require.Len(t, pool.Creds, 12)
	assert.Equal(t, 12, shop.SignedUp(), "the accounts exist on the target")
	assert.Equal(t, 12, rec.Len(), "the sign-ups are in the timeline")
	assert.Equal(t, "signup:POST /signup#0", pool.Creds[0].Source)

	again, err := Signup{Operation: op, Accounts: 3, Seed: 7}.FillPool(t.Context(), &Runner{Target: u}, &Recorder{})
	require.Error(t, err, "the same seed finds every username taken")
	assert.Nil(t, again)
	assert.Contains(t, err.Error(), "accepted none")

	var logins Recorder
	load := Workload{Scenario: "login", VUs: 12, Duration: time.Minute, Identities: pool, Program: once(scenarios.Request{
		Method: http.MethodPost, Path: "/login", Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"username":"{{username}}","password":"{{password}}"}`)})}
	require.NoError(t, (&Runner{Target: u}).Run(t.Context(), []Workload{load}, &logins))
	seen := map[string]bool{}
	for _, ex := range logins.Exchanges() {
		assert.Equal(t, http.StatusOK, ex.Status, ex.Identity)
		seen[ex.Identity] = true
	}
	assert.Len(t, seen, 12, "each VU is a different signed-up account")
}

func TestSignupNeedsCredentialFields(t *testing.T) {
	tests := []struct {
		name string
		op   scenarios.Operation
		err  string
	}{
		{"no password", scenarios.Operation{Method: "POST", Path: "/signup", RequestFields: []string{"email"}}, "name no password"},
		{"path parameters", scenarios.Operation{Method: "POST", Path: "/orgs/{org}/signup", RequestFields: []string{"email", "password"}}, "path has parameters"},
		{"graphql", scenarios.Operation{Method: "POST", Path: "signup", Protocol: scenarios.GraphQL, RequestFields: []string{"email", "password"}}, "only REST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Signup{Operation: tt.op, Accounts: 1}.FillPool(t.Context(), &Runner{Target: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}}, &Recorder{})
			require.ErrorContains(t, err, tt.err)
		})
	}
}
