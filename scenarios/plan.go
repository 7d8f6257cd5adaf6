package scenarios

import (
	"fmt"
	"net/url"
	"time"
)

// PlanVersion is the plan format this package reads.
const PlanVersion = "1"

// PlanFile is abusegate.yaml as written: strings for durations, matchers
// and names, so that every field can be reported as the user typed it.
// LoadPlan reads one; Compile checks it against the registered kinds and
// the spec's operations and turns it into a Plan.
type PlanFile struct {
	Version     string        `yaml:"version" json:"version"`
	Target      RawTarget     `yaml:"target" json:"target"`
	Spec        string        `yaml:"spec" json:"spec"`
	Auth        RawAuth       `yaml:"auth" json:"auth"`
	Identities  []RawPool     `yaml:"identities" json:"identities,omitempty"`
	Benign      *RawBenign    `yaml:"benign" json:"benign,omitempty"`
	Scenarios   []RawScenario `yaml:"scenarios" json:"scenarios"`
	Detection   []RawSource   `yaml:"detection" json:"detection,omitempty"`
	Containment RawContain    `yaml:"containment" json:"containment,omitempty"`
	SLA         RawSLA        `yaml:"sla" json:"sla,omitempty"`

	// name and positions locate problems: field path -> line:col.
	name      string
	positions map[string]Location
}

// RawTarget is where the plan may send requests.
type RawTarget struct {
	BaseURL string `yaml:"base_url" json:"base_url"`
	// Allow lists host[:port] the run may reach; the base URL's host is
	// always allowed. Redirects elsewhere are refused.
	Allow []string `yaml:"allow" json:"allow,omitempty"`
}

// RawAuth says how VUs log in and where the token travels.
type RawAuth struct {
	// Login is the login operation's key, "POST /login".
	Login         string `yaml:"login" json:"login"`
	UsernameField string `yaml:"username_field" json:"username_field"`
	PasswordField string `yaml:"password_field" json:"password_field"`
	TokenField    string `yaml:"token_field" json:"token_field"`
	UserIDField   string `yaml:"user_id_field" json:"user_id_field,omitempty"`
	// TokenIn is where the token is sent: "bearer" (Authorization header,
	// the default), "header:NAME" or "cookie:NAME".
	TokenIn string `yaml:"token_in" json:"token_in,omitempty"`
}

// RawPool is a named set of identities: a username:password file, or
// accounts the target already has that the harness generates names for.
// With Credential the file holds static credentials issued elsewhere,
// sent without a login: one API key or bearer token a line (api-key,
// bearer), or username:password lines sent as HTTP basic auth (basic).
type RawPool struct {
	Name       string       `yaml:"name" json:"name"`
	File       string       `yaml:"file" json:"file,omitempty"`
	Credential string       `yaml:"credential" json:"credential,omitempty"`
	Generate   *RawGenerate `yaml:"generate" json:"generate,omitempty"`
}

// RawGenerate describes generated accounts: Count accounts named
// Prefix1..PrefixN with Password.
type RawGenerate struct {
	Count    int    `yaml:"count" json:"count"`
	Prefix   string `yaml:"prefix" json:"prefix"`
	Password string `yaml:"password" json:"password,omitempty"`
}

// RawBenign is the benign workload run beside the attacks.
type RawBenign struct {
	Identities string   `yaml:"identities" json:"identities"`
	VUs        int      `yaml:"vus" json:"vus"`
	Duration   string   `yaml:"duration" json:"duration"`
	Think      RawThink `yaml:"think" json:"think,omitempty"`
}

// RawScenario is one misuse scenario as written.
type RawScenario struct {
	ID         string         `yaml:"id" json:"id"`
	Kind       string         `yaml:"kind" json:"kind"`
	Title      string         `yaml:"title" json:"title,omitempty"`
	Question   string         `yaml:"question" json:"question,omitempty"`
	Operations []RawOperation `yaml:"operations" json:"operations"`
	Executor   string         `yaml:"executor" json:"executor"`
	VUs        int            `yaml:"vus" json:"vus"`
	Iterations int            `yaml:"iterations" json:"iterations,omitempty"`
	Start      string         `yaml:"start" json:"start,omitempty"`
	Duration   string         `yaml:"duration" json:"duration"`
	Rate       int            `yaml:"rate" json:"rate,omitempty"`
	TimeUnit   string         `yaml:"time_unit" json:"time_unit,omitempty"`
	MaxVUs     int            `yaml:"max_vus" json:"max_vus,omitempty"`
	Stages     []RawStage     `yaml:"stages" json:"stages,omitempty"`
	Think      RawThink       `yaml:"think" json:"think,omitempty"`
	// Identities names a pool; Rotate is none, addresses, devices or both.
	Identities string            `yaml:"identities" json:"identities,omitempty"`
	Rotate     string            `yaml:"rotate" json:"rotate,omitempty"`
	Budget     RawBudget         `yaml:"budget" json:"budget,omitempty"`
	Success    RawSuccess        `yaml:"success" json:"success,omitempty"`
	Params     map[string]string `yaml:"params" json:"params,omitempty"`
	SLA        *RawSLA           `yaml:"sla" json:"sla,omitempty"`
}

// RawOperation is an operation a scenario uses and why it was chosen.
type RawOperation struct {
	Operation string `yaml:"operation" json:"operation"`
	Why       string `yaml:"why" json:"why,omitempty"`
}

// RawStage is one step of a ramp.
type RawStage struct {
	Duration string `yaml:"duration" json:"duration"`
	Target   int    `yaml:"target" json:"target"`
}

// RawThink is a think-time distribution: constant, uniform, exponential
// or log-normal.
type RawThink struct {
	Dist  string  `yaml:"dist" json:"dist,omitempty"`
	Mean  string  `yaml:"mean" json:"mean,omitempty"`
	Min   string  `yaml:"min" json:"min,omitempty"`
	Max   string  `yaml:"max" json:"max,omitempty"`
	Sigma float64 `yaml:"sigma" json:"sigma,omitempty"`
}

// RawBudget bounds a scenario's requests and time.
type RawBudget struct {
	Requests int    `yaml:"requests" json:"requests,omitempty"`
	Duration string `yaml:"duration" json:"duration,omitempty"`
}

// RawSuccess says when an abusive request succeeded: status codes as
// "200", "2xx" or "200-299", and optionally a body substring.
type RawSuccess struct {
	Status       []string `yaml:"status" json:"status,omitempty"`
	BodyContains string   `yaml:"body_contains" json:"body_contains,omitempty"`
}

// RawSource is a detection source: the guard's decision stream, a webhook
// the target's own detector posts alerts to, or response signals.
type RawSource struct {
	Type string `yaml:"type" json:"type"`
	URL  string `yaml:"url" json:"url,omitempty"`
	// Header is a response header whose presence signals detection.
	Header string `yaml:"header" json:"header,omitempty"`
}

// RawContain says which answers count as containment.
type RawContain struct {
	Status     []string `yaml:"status" json:"status,omitempty"`
	MaxSuccess string   `yaml:"max_success" json:"max_success,omitempty"`
}

// RawSLA is a gate: global, or a scenario's own.
type RawSLA struct {
	MTTD      string `yaml:"mttd" json:"mttd,omitempty"`
	MTTC      string `yaml:"mttc" json:"mttc,omitempty"`
	MaxLeak   *int   `yaml:"max_leak" json:"max_leak,omitempty"`
	MaxBenign *int   `yaml:"max_benign" json:"max_benign,omitempty"`
}

// Plan is a compiled, validated plan.
type Plan struct {
	Target      PlanTarget
	Spec        string
	Auth        Auth
	TokenIn     string
	Pools       map[string]RawPool
	Benign      *PlannedBenign
	Scenarios   []PlannedScenario
	Detection   []RawSource
	Containment Containment
	SLA         SLA
}

// PlanTarget is a parsed target.
type PlanTarget struct {
	BaseURL *url.URL
	Allow   []string
}

// PlannedBenign is the compiled benign workload.
type PlannedBenign struct {
	Pool     string
	VUs      int
	Duration time.Duration
	Think    Think
}

// PlannedScenario is a scenario with what the runner needs beyond it.
type PlannedScenario struct {
	Scenario
	Pool    string
	Rotate  string
	Budget  Budget
	Success StatusMatcher
	Body    string
}

// Budget bounds a scenario.
type Budget struct {
	Requests int
	Duration time.Duration
}

// Containment is the compiled containment signal.
type Containment struct {
	Status     StatusMatcher
	MaxSuccess float64
}

// StatusMatcher matches status codes against inclusive ranges.
type StatusMatcher [][2]int

// Match reports whether code is in one of the ranges.
func (m StatusMatcher) Match(code int) bool {
	for _, r := range m {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

// Name is the file the plan was read from.
func (p *PlanFile) Name() string { return p.name }

// Position returns where the value at a field path ("scenarios[0].vus")
// was written, or of its nearest written parent.
func (p *PlanFile) Position(path string) Location {
	for {
		if loc, ok := p.positions[path]; ok {
			return loc
		}
		i := max(lastIndexAny(path, ".["), 0)
		if i == 0 {
			return Location{File: p.name}
		}
		path = path[:i]
	}
}

func lastIndexAny(s, chars string) int {
	for i := len(s) - 1; i >= 0; i-- {
		for _, c := range chars {
			if rune(s[i]) == c {
				return i
			}
		}
	}
	return -1
}

// PlanError is one problem in a plan, where it was written and how to fix
// it.
type PlanError struct {
	Loc     Location
	Path    string
	Message string
}

func (e *PlanError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Loc, e.Path, e.Message)
}
