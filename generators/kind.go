package generators

import (
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Kind is one class of misuse: it knows which operations of a Surface it
// can abuse, and how a virtual user carries the abuse out.
type Kind interface {
	// Info describes the kind for catalogs and reports.
	Info() Info
	// Generate returns the scenarios this kind finds in s, or none when s
	// has nothing it can abuse.
	Generate(s scenarios.Surface, opts Options) []scenarios.Scenario
	// Program returns the logic of one virtual user of sc.
	Program(sc scenarios.Scenario, env Env) (scenarios.Program, error)
}

// Info describes a misuse kind.
type Info struct {
	// ID is stable and namespaced, such as "rest.enumeration".
	ID    string
	Title string
	// OWASP lists OWASP API Security Top 10 2023 ids ("API1:2023"); OAT
	// lists OWASP Automated Threat ids ("OAT-011").
	OWASP []string
	OAT   []string
	// Needs says what the kind needs from a Surface.
	Needs string
	// LeakUnit names what counts as this kind's leak.
	LeakUnit string
}

// Options tune generation.
type Options struct {
	// Attackers are the identities the scenarios act as.
	Attackers []scenarios.Identity
	// SLA is the gate each generated scenario gets.
	SLA scenarios.SLA
	// Credentials is a leaked username:password list for credential
	// stuffing; without one, stuffing scenarios are not generated.
	Credentials []scenarios.Identity
	// Coupons are promotion codes known to be valid; without them,
	// coupon scenarios guess common codes.
	Coupons []string
}

// Env is what a virtual user's Program needs at run time.
type Env struct {
	Auth scenarios.Auth
	// Identity is the account this VU acts as.
	Identity scenarios.Identity
	// VU is the index of this VU within its scenario, from 0.
	VU int
	// Seed makes the VU's random choices reproducible.
	Seed uint64
	// Now is the executor's clock (real, or simulated in `abusegate
	// simulate`), for programs whose VUs meet at an instant (a coupon
	// race's release); nil when the caller gives none.
	Now func() time.Time
}
