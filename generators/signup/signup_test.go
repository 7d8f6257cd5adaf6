package signup_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/signup"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/guard"
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

// Behind the guard, the sign-up detector counts the accounts each source
// creates. The harness's rotated X-Forwarded-For is ignored (no proxy is
// trusted), so every VU is one address: its last allowed account (the
// policy's signup.address, 30 an hour) is flagged once answered and every
// later sign-up is refused before it is served. Only what the other VUs
// had in flight at that moment gets through besides (the per-address
// rate limit let ~600 through before the detector).
func TestGuardedIsBoundedBySignups(t *testing.T) {
	limit := monitor.DefaultPolicy().Signup.Address
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.Generate(t, signup.Kind{}, generators.Options{}, "account-creation-post-signup")
	sc.Params["accounts"] = "1500"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, signup.Kind{}, sc, 20*time.Second, 3000)

	require.GreaterOrEqual(t, res.Leak, limit, "sign-ups succeed up to the limit")
	assert.LessOrEqual(t, res.Leak, limit+sc.Schedule.VUs-1, "the limit, and what the other VUs had in flight")
	assert.Equal(t, res.Leak, tg.Shop.SignedUp())
	assert.Positive(t, res.Denied)
	t.Logf("guarded: %d accounts created, %d sign-ups denied of %d; decisions by detector %v", res.Leak, res.Denied, res.Abusive, tg.ByDetector())
	assert.Positive(t, tg.ByDetector()[monitor.SignupName], tg.DecisionSummary())
}

// Behind a proxy the guard trusts, the rotated addresses are believed
// (198.18.0.1 to .250: one /24), so no address ever reaches its limit and
// only the per-address rate limit stood in the way before the sign-up
// detector. Now, from one device the device in that network reaches its
// limit (signup.device); rotating the browser too, the network does
// (signup.network; eight user agents: no device reaches 30). Each later
// sign-up comes from a new address and is refused before it is served.
func TestGuardedRotatingAddressesAreBoundedByTheirNetwork(t *testing.T) {
	p := monitor.DefaultPolicy()
	tests := []struct {
		rotate, source string
		limit          int
	}{
		{"addresses", "device", p.Signup.Device},
		{"both", "network 198.18.0.0/24", p.Signup.Network},
	}
	for _, tt := range tests {
		t.Run(tt.rotate, func(t *testing.T) {
			tg := behindTrustedProxy(t)
			sc := tg.Generate(t, signup.Kind{}, generators.Options{}, "account-creation-post-signup")
			sc.Params["accounts"] = "240"
			sc.Params["rotate"] = tt.rotate
			sc.Think = scenarios.ConstantThink(0)
			res := tg.Run(t, signup.Kind{}, sc, 20*time.Second, 1000)

			require.GreaterOrEqual(t, res.Leak, tt.limit, "sign-ups succeed up to the limit")
			assert.LessOrEqual(t, res.Leak, tt.limit+sc.Schedule.VUs-1, "the limit, and what the other VUs had in flight")
			assert.Equal(t, res.Leak, tg.Shop.SignedUp())
			var blocked []string
			for _, d := range tg.Guard.Decisions() {
				if d.Detector == monitor.SignupName {
					assert.Contains(t, d.Reason, tt.source)
					blocked = append(blocked, d.Subject.Value)
				}
			}
			require.NotEmpty(t, blocked, tg.DecisionSummary())
			assert.Greater(t, len(blocked), 10, "each new address is blocked at its first sign-up")
			t.Logf("guarded (%s): %d accounts created, %d sign-ups denied of %d, %d addresses blocked", tt.rotate, res.Leak, res.Denied, res.Abusive, len(blocked))
		})
	}
}

// behindTrustedProxy is the demo shop behind an enforcing guard that
// believes X-Forwarded-For from loopback, as behind a load balancer.
func behindTrustedProxy(t *testing.T) *kindtest.Target {
	t.Helper()
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	g, err := guard.New(tg.URL, monitor.New(tg.Surface, monitor.Config{}), guard.Options{
		Mode: guard.Enforce, Surface: tg.Surface, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	require.NoError(t, err)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	u, err := url.Parse(front.URL)
	require.NoError(t, err)
	tg.URL, tg.Guard = u, g
	return tg
}
