package signup_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/signup"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

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

// The demo shop's sign-up has no captcha, verification or limit: every
// generated account is created, and the shop itself counts them.
func TestUnguardedCreatesAccounts(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.Generate(t, signup.Kind{}, generators.Options{}, "account-creation-post-signup")
	assert.Equal(t, "email,name,password,username", sc.Params["fields"])
	sc.Params["accounts"] = "120"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, signup.Kind{}, sc, 20*time.Second, 1000)

	assert.Equal(t, 120, res.Abusive)
	assert.Equal(t, 120, res.Leak)
	assert.Equal(t, 120, tg.Shop.SignedUp(), "the target agrees: 120 accounts exist")
	assert.Zero(t, res.Denied)
}

// The monitor has no sign-up detector: behind the guard, mass sign-up is
// bounded only by the generic per-address rate limit for traffic no
// identity speaks for (the harness's rotated X-Forwarded-For is ignored,
// since no proxy is trusted). Past it, the address is throttled and then
// blocked, so the accounts created stop near that limit.
func TestGuardedIsBoundedByTheAddressRate(t *testing.T) {
	limit := monitor.DefaultPolicy().Rate.Address
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.Generate(t, signup.Kind{}, generators.Options{}, "account-creation-post-signup")
	sc.Params["accounts"] = "1500"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, signup.Kind{}, sc, 20*time.Second, 3000)

	require.Greater(t, res.Leak, limit/2, "sign-ups succeed until the rate is crossed")
	assert.Positive(t, res.Denied)
	// The limit, the throttle's burst and what the VUs had in flight.
	assert.LessOrEqual(t, res.Leak, limit+10+2*sc.Schedule.VUs+20)
	assert.Equal(t, res.Leak, tg.Shop.SignedUp())
	t.Logf("guarded: %d accounts created, %d sign-ups denied of %d", res.Leak, res.Denied, res.Abusive)
	var rate bool
	for _, d := range tg.Guard.Decisions() {
		rate = rate || d.Detector == monitor.RateName
	}
	assert.True(t, rate, "the rate detector decided")
}
