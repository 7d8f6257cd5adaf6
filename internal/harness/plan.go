package harness

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/benign"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// pools resolves the plan's identity pools: a username:password file
// (relative to the plan's directory), or generated accounts. Every
// password becomes a secret of the redactor.
func (h *Harness) pools() (map[string][]scenarios.Identity, error) {
	out := map[string][]scenarios.Identity{}
	var errs []error
	names := make([]string, 0, len(h.o.Plan.Pools))
	for name := range h.o.Plan.Pools {
		names = append(names, name)
	}
	slices.Sort(names)
	accounts := h.o.Accounts
	for _, name := range names {
		p := h.o.Plan.Pools[name]
		switch {
		case p.Credential != "" && h.o.StandInKeys > 0:
			n := h.o.StandInKeys
			if b := h.o.Plan.Benign; b != nil && b.Pool == name {
				n = max(n, b.VUs) // benign clients are people of their own
			}
			out[name] = standIns(name, p.Credential, n)
		case p.File != "":
			path := p.File
			if !filepath.IsAbs(path) && h.o.PlanDir != "" {
				path = filepath.Join(h.o.PlanDir, path)
			}
			ids, err := loadPool(path, p.Credential)
			if err != nil {
				errs = append(errs, fmt.Errorf("identities %s: %w", name, err))
				continue
			}
			out[name] = ids
		case p.Generate != nil && len(h.o.Accounts) > 0:
			if len(accounts) < p.Generate.Count {
				errs = append(errs, fmt.Errorf("identities %s: %d accounts wanted, the target has %d left", name, p.Generate.Count, len(accounts)))
				continue
			}
			out[name], accounts = accounts[:p.Generate.Count], accounts[p.Generate.Count:]
		case p.Generate != nil:
			g := p.Generate
			ids := make([]scenarios.Identity, 0, g.Count)
			for i := 1; i <= g.Count; i++ {
				ids = append(ids, scenarios.Identity{Username: g.Prefix + strconv.Itoa(i), Password: g.Password})
			}
			out[name] = ids
		}
		h.secrets(out[name])
	}
	return out, errors.Join(errs...)
}

// secrets makes the identities' passwords and keys secrets of the
// redactor.
func (h *Harness) secrets(ids []scenarios.Identity) {
	for _, id := range ids {
		h.redact.Add(id.Password)
		if id.Credential != "" {
			// The key as sent, and basic auth as it travels (base64).
			secret := generators.StaticCredential(id)
			h.redact.Add(secret)
			h.redact.Add(base64.StdEncoding.EncodeToString([]byte(secret)))
		}
	}
}

// loadPool reads a pool file: username:password lines (for logins, or
// sent as basic auth), or one API key or bearer token a line in the CSV
// format of runtime/vu. A keyed identity is named by a hash of its key.
func loadPool(path, credential string) ([]scenarios.Identity, error) {
	kind := map[string]vu.CredKind{"api-key": vu.APIKey, "bearer": vu.Bearer}[credential]
	if kind == 0 {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		ids, err := generators.ParseCredentials(path, f)
		for i := range ids {
			ids[i].Credential = credential
		}
		return ids, err
	}
	pool, err := vu.LoadPool(path, kind)
	if err != nil {
		return nil, err
	}
	ids := make([]scenarios.Identity, 0, len(pool.Creds))
	for _, c := range pool.Creds {
		ids = append(ids, scenarios.Identity{Username: c.Name(), Credential: credential, Key: c.APIKey + c.Token})
	}
	return ids, nil
}

// standIns are n placeholder credentials of pool, for a simulated target.
func standIns(pool, credential string, n int) []scenarios.Identity {
	ids := make([]scenarios.Identity, 0, n)
	for i := 1; i <= n; i++ {
		id := scenarios.Identity{Username: fmt.Sprintf("%s-standin%d", pool, i), Credential: credential}
		if credential == "basic" {
			id.Password = fmt.Sprintf("sim-%s-%d", pool, i)
		} else {
			id.Key = fmt.Sprintf("sim-key-%s-%d", pool, i)
			id.Username = "key-" + strings.TrimPrefix(scenarios.TokenID(id.Key), "tok-")
		}
		ids = append(ids, id)
	}
	return ids
}

// build turns the plan into workloads: the benign users first, then each
// scenario's VUs running its kind's Program.
func (h *Harness) build() error {
	p := h.o.Plan
	pools, err := h.pools()
	if err != nil {
		return err
	}
	rules := h.rules()
	if p.Benign != nil {
		users := pools[p.Benign.Pool]
		sc, err := benign.Workload(h.o.Surface, users)
		if err != nil {
			return err
		}
		sc.Schedule = scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: p.Benign.VUs, Duration: p.Benign.Duration}
		sc.Think = p.Benign.Think
		h.add(sc, scenarios.Benign, benign.Program, scenarios.Budget{}, nil, "")
	}
	for _, ps := range p.Scenarios {
		kind, err := h.o.Kinds.Lookup(ps.Kind)
		if err != nil {
			return err
		}
		sc := ps.Scenario
		sc.LeakUnit = kind.Info().LeakUnit
		if ps.Pool != "" {
			sc.Identities = pools[ps.Pool]
			if len(sc.Identities) == 0 {
				return fmt.Errorf("scenario %s: identity pool %q is empty", sc.ID, ps.Pool)
			}
			if cred := p.Pools[ps.Pool].Credential; cred != "" && h.o.StandInKeys > 0 {
				// Stand-in keys of the scenario's own: a generated keyed
				// plan names one key file for every attack, and with
				// shared stand-ins the first scenario's containment
				// blocked the keys of all the others before they sent
				// (Stripe: 70 of 94 enumerations "no attack").
				sc.Identities = standIns(ps.Pool+"-"+sc.ID, cred, len(sc.Identities))
				h.secrets(sc.Identities)
			}
		}
		if ps.Rotate != "" {
			params := map[string]string{"rotate": ps.Rotate}
			for k, v := range sc.Params {
				params[k] = v
			}
			if sc.Params["rotate"] != "" {
				params["rotate"] = sc.Params["rotate"]
			}
			sc.Params = params
		}
		sr := rules.forScenario(ps)
		h.add(sc, scenarios.Attacker, kind.Program, ps.Budget, sr, ps.Rotate)
		h.scenarios = append(h.scenarios, sc)
		h.ops[sc.ID] = h.locate(sc)
	}
	return nil
}

// rules are the plan's response matchers shared by every scenario.
func (h *Harness) rules() responseRules {
	var r responseRules
	for _, d := range h.o.Plan.Detection {
		if d.Type == "response" {
			r.headers = append(r.headers, d.Header)
		}
	}
	def := scenarios.StatusMatcher{{401, 401}, {403, 403}, {423, 423}, {429, 429}}
	if c := h.o.Plan.Containment.Status; len(c) > 0 && !equalMatchers(c, def) {
		r.contain = c
	}
	return r
}

func (r responseRules) forScenario(ps scenarios.PlannedScenario) *responseRules {
	out := r
	if !equalMatchers(ps.Success, scenarios.StatusMatcher{{200, 299}}) && len(ps.Success) > 0 {
		out.success = ps.Success
	}
	out.body = ps.Body
	if out.headers == nil && out.contain == nil && out.success == nil && out.body == "" {
		return nil
	}
	return &out
}

func equalMatchers(a, b scenarios.StatusMatcher) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// add makes sc's workload.
func (h *Harness) add(sc scenarios.Scenario, actor scenarios.Actor, program func(scenarios.Scenario, generators.Env) (scenarios.Program, error),
	budget scenarios.Budget, rules *responseRules, rotate string) {
	sched := sc.Schedule
	if budget.Duration > 0 && (sched.Duration <= 0 || budget.Duration < sched.Duration) {
		sched.Duration = budget.Duration
	}
	t := &tracker{
		scenario: sc.ID, actor: actor, budget: int64(budget.Requests), clock: h.clock, rules: rules,
		signals: h.signals, redact: h.redact, auth: h.o.Plan.Auth, seq: map[int]int{},
	}
	if h.o.Capture {
		t.capture = h.captures
	}
	if sh, ok := h.o.Shadow.(*Shadow); ok {
		t.bodies = sh.bodies()
	}
	wrap := t.budget > 0 || t.rules != nil || t.capture != nil || t.bodies != nil
	auth, seed := h.o.Plan.Auth, h.o.Seed
	w := vu.Workload{
		Scenario: sc.ID, Actor: actor, Schedule: sched, Think: sc.Think, Seed: seed,
		Program: func(i int) (scenarios.Program, error) {
			env := generators.Env{Auth: auth, VU: i, Seed: seed, Now: h.clock.Now}
			if len(sc.Identities) > 0 {
				env.Identity = sc.Identities[i%len(sc.Identities)]
			}
			p, err := program(sc, env)
			if err != nil || !wrap {
				return p, err
			}
			return t.wrap(p, i), nil
		},
	}
	// On the network each identity gets its own loopback source address
	// (benign users are distinct people too); rotated devices look like
	// distinct browsers.
	w.Disguise.Sources = actor == scenarios.Benign || rotate == "addresses" || rotate == "both"
	switch {
	case actor == scenarios.Benign:
		w.Disguise.Devices = crowd(max(sched.VUs, sched.MaxVUs, 1))
		w.Disguise.OwnDevices = true
	case rotate == "devices" || rotate == "both":
		w.Disguise.Devices = vu.DefaultDevices()
	}
	if t.budget > 0 {
		// A spent budget ends the scenario: its VUs begin no more
		// iterations (each would end before its first request).
		w.Done = func() bool { return t.used.Load() >= t.budget }
	}
	h.loads = append(h.loads, w)
	h.trackers = append(h.trackers, t)
}

// locate finds where the spec declares each operation sc abuses.
func (h *Harness) locate(sc scenarios.Scenario) []reports.OperationReport {
	var out []reports.OperationReport
	for _, t := range sc.Operations {
		r := reports.OperationReport{Operation: t.Operation}
		for _, op := range h.o.Surface.Operations {
			if op.Key() == t.Operation {
				r.File, r.Line, r.Column = op.Loc.File, op.Loc.Line, op.Loc.Column
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// window is how long the plan runs at most: every workload's start plus
// duration (graceful stops aside).
func (h *Harness) window() time.Duration {
	var end time.Duration
	for _, w := range h.loads {
		s := w.Schedule
		d := s.Duration
		if len(s.Stages) > 0 {
			d = 0
			for _, st := range s.Stages {
				d += st.Duration
			}
		}
		end = max(end, s.Start+d+s.GracefulStop)
	}
	return end
}

// crowd is n browsers of distinct builds: benign users are people on their
// own devices, not one harness user agent a device-cluster detector would
// rightly take for a bot farm.
func crowd(n int) []vu.Device {
	base := vu.DefaultDevices()
	out := make([]vu.Device, 0, n)
	for i := range n {
		d := base[i%len(base)]
		d.Name = fmt.Sprintf("%s-%d", d.Name, i)
		d.UserAgent = fmt.Sprintf("%s abusegate-benign/%d", d.UserAgent, i)
		out = append(out, d)
	}
	return out
}
