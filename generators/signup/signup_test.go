package signup_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/signup"
	"github.com/abusegate/abusegate/scenarios"
)

// The demo shop has no sign-up yet, so this checks the generated body
// only; the run against a shop with sign-up is left (issue 4).
func TestProgramFillsTheSignupBody(t *testing.T) {
	s := scenarios.Surface{Operations: []scenarios.Operation{{
		Method: http.MethodPost, Path: "/signup", RequestFields: []string{"email", "password", "display_name"},
		Roles: []scenarios.RoleTag{{Role: scenarios.RoleSignup}},
	}}}
	scs := signup.Kind{}.Generate(s, generators.Options{})
	require.Len(t, scs, 1)
	p, err := signup.Kind{}.Program(scs[0], generators.Env{VU: 1, Seed: 7})
	require.NoError(t, err)
	step, ok := p.Next(nil)
	require.True(t, ok)
	assert.True(t, step.Request.Abusive)
	assert.JSONEq(t, `{"email":"ag7.user1@example.com","password":"Spring2025!x","display_name":"ag7.user1"}`, string(step.Request.Body))
}
