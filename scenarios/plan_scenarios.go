package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

func (c *compiler) scenarios(p *Plan, checks PlanChecks) {
	if len(c.f.Scenarios) == 0 {
		c.bad("scenarios", "required: at least one scenario (abusegate generate writes them from a spec)")
	}
	seen := map[string]bool{}
	for i, r := range c.f.Scenarios {
		path := fmt.Sprintf("scenarios[%d]", i)
		switch {
		case r.ID == "":
			c.bad(path+".id", "required: a unique scenario id")
		case seen[r.ID]:
			c.bad(path+".id", "duplicate scenario id %q", r.ID)
		}
		seen[r.ID] = true
		if !slices.Contains(checks.Kinds, r.Kind) {
			c.bad(path+".kind", "unknown misuse kind %q (known: %s)", r.Kind, strings.Join(checks.Kinds, ", "))
		}
		if len(r.Operations) == 0 {
			c.bad(path+".operations", "required: the operations the scenario abuses")
		}
		sc := Scenario{ID: r.ID, Kind: r.Kind, Title: r.Title, Question: r.Question, Params: r.Params}
		for j, o := range r.Operations {
			c.operation(fmt.Sprintf("%s.operations[%d].operation", path, j), o.Operation, checks)
			sc.Operations = append(sc.Operations, Target{Operation: o.Operation, Why: o.Why})
		}
		sc.Schedule = c.schedule(path, r)
		sc.Think = c.think(path+".think", r.Think)
		c.pool(path+".identities", r.Identities, p)
		switch r.Rotate {
		case "", "none", "addresses", "devices", "both":
		default:
			c.bad(path+".rotate", "%q: want none, addresses, devices or both", r.Rotate)
		}
		if r.Budget.Requests < 0 {
			c.bad(path+".budget.requests", "%d: want 0 (no bound but the run's) or more", r.Budget.Requests)
		}
		ps := PlannedScenario{
			Scenario: sc, Pool: r.Identities, Rotate: r.Rotate,
			Budget:  Budget{Requests: r.Budget.Requests, Duration: c.duration(path+".budget.duration", r.Budget.Duration, false)},
			Success: c.statuses(path+".success.status", r.Success.Status, "2xx"),
			Body:    r.Success.BodyContains,
		}
		p.Scenarios = append(p.Scenarios, ps)
	}
}

func (c *compiler) schedule(path string, r RawScenario) Schedule {
	s := Schedule{VUs: r.VUs, Iterations: r.Iterations, Rate: r.Rate, MaxVUs: r.MaxVUs}
	e, ok := ParseExecutor(r.Executor)
	if !ok {
		names := make([]string, 0, len(executorNames))
		for _, n := range executorNames {
			if n != "" {
				names = append(names, n)
			}
		}
		c.bad(path+".executor", "%q: want one of %s", r.Executor, strings.Join(names, ", "))
	}
	s.Executor = e
	s.Start = c.duration(path+".start", r.Start, false)
	s.Duration = c.duration(path+".duration", r.Duration, true)
	s.TimeUnit = c.duration(path+".time_unit", r.TimeUnit, false)
	if r.VUs < 0 {
		c.bad(path+".vus", "%d: the number of VUs cannot be negative", r.VUs)
	}
	switch e {
	case ConstantVUs, PerVUIterations:
		if r.VUs < 1 {
			if r.VUs == 0 {
				c.bad(path+".vus", "required: at least 1 VU for %s", e)
			}
		}
		if e == PerVUIterations && r.Iterations < 1 {
			c.bad(path+".iterations", "%d: per-vu-iterations needs at least 1 iteration", r.Iterations)
		}
	case ConstantArrivalRate, RampingArrivalRate:
		if e == ConstantArrivalRate && r.Rate < 1 {
			c.bad(path+".rate", "%d: constant-arrival-rate needs a rate of at least 1", r.Rate)
		}
		if r.MaxVUs < 0 {
			c.bad(path+".max_vus", "%d: cannot be negative", r.MaxVUs)
		}
	}
	if (e == RampingVUs || e == RampingArrivalRate) && len(r.Stages) == 0 {
		c.bad(path+".stages", "required: %s ramps through stages", e)
	}
	for i, st := range r.Stages {
		sp := fmt.Sprintf("%s.stages[%d]", path, i)
		s.Stages = append(s.Stages, Stage{Duration: c.duration(sp+".duration", st.Duration, true), Target: st.Target})
		if st.Target < 0 {
			c.bad(sp+".target", "%d: cannot be negative", st.Target)
		}
	}
	return s
}
