package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Policy is a compiled policy: durations parsed, names resolved, zero
// thresholds replaced by defaults. It is immutable once compiled.
type Policy struct {
	Rate        RateConfig
	Enumeration EnumerationConfig
	Scraping    ScrapingConfig
	Stuffing    StuffingConfig
	Reuse       ReuseConfig
	Coupon      CouponConfig
	Flow        FlowConfig
	// Amplification bounds the operations one request may carry.
	Amplification AmplificationConfig
	// Sweep: a collection's pages harvested collectively.
	Sweep SweepConfig
	// Oversize: a REST page-size parameter over its documented maximum.
	Oversize OversizeConfig
	// Hoarding: units held in carts never checked out.
	Hoarding HoardingConfig
	// Signup: accounts created per address, network and device.
	Signup SignupConfig
	Risk   RiskConfig
	Rules  []Rule
}

// RateConfig: requests per Window per identity; per address and device
// only for requests without an identity.
type RateConfig struct {
	Window                         time.Duration
	Identity, Address, Fingerprint int
}

// EnumerationConfig: Distinct objects of one route within Window, or
// Sequential ones in a counter walk, or Suspicious ones mostly denied or
// missing (DeniedRatio).
type EnumerationConfig struct {
	Window                           time.Duration
	Distinct, Suspicious, Sequential int
	DeniedRatio                      float64
}

// ScrapingConfig: long-window catalog coverage per identity and per
// cluster (device + /24).
type ScrapingConfig struct {
	Window                          time.Duration
	Distinct, Regular               int
	RegularityCV                    float64
	ClusterDistinct, ClusterMembers int
	ClusterOverlap                  float64
	// CatalogShare of a known catalog's items, in at least CatalogMinPages
	// distinct pages (catalog.go).
	CatalogShare    float64
	CatalogMinPages int
}

// SweepConfig: Run consecutive pages of one collection each read once
// within Window by at least Subjects clients; findings name at most
// MaxSubjects of them.
type SweepConfig struct {
	Window                     time.Duration
	Run, Subjects, MaxSubjects int
	// CatalogShare of a known catalog's pages shortens Run.
	CatalogShare float64
}

// StuffingConfig: login failures per source address or device.
type StuffingConfig struct {
	Window              time.Duration
	Failures, Usernames int
	FailureRatio        float64
}

// ReuseConfig: one credential from many devices or places at once.
type ReuseConfig struct {
	Window                  time.Duration
	Fingerprints, Addresses int
	TravelKMH               float64
	TravelWindow            time.Duration
}

// CouponConfig: coupon attempts, failures and sharing.
type CouponConfig struct {
	Window                                         time.Duration
	Attempts, Failures, AccountsPerDevice, Repeats int
	FailureRatio                                   float64
}

// FlowConfig: how much benign traffic the learnt transition model needs,
// and whether the spec's required predecessors are checked before serving.
type FlowConfig struct {
	MinSessions   int
	BeforeServing bool
}

// AmplificationConfig: a request carrying Copies fields of one operation
// (SensitiveCopies of a sensitive one), or Fields fields, is a finding.
type AmplificationConfig struct {
	Copies, SensitiveCopies, Fields int
}

// OversizeConfig: Cap is the page size a request may ask for when the
// spec documents no maximum for the collection.
type OversizeConfig struct {
	Cap int
}

// HoardingConfig: a subject holding Units units in carts, added within
// Window of each other and never checked out, is a finding.
type HoardingConfig struct {
	Window time.Duration
	Units  int
}

// SignupConfig: Address, Network or Device successful sign-ups within
// Window from one client address, one /24 (IPv6 /64) or one device in
// one such network is a finding.
type SignupConfig struct {
	Window                   time.Duration
	Address, Network, Device int
}

// RiskConfig weighs findings into a decaying score per subject.
type RiskConfig struct {
	HalfLife time.Duration
	// Points is what one finding of a detector adds before context.
	Points map[string]float64
	// Sensitivity multiplies points by the operation's sensitivity.
	Sensitivity [3]float64
	// NewDevice, NewGeo and YoungAccount multiply points when the
	// identity's device or place is new to it, or its account is younger
	// than YoungAccountAge.
	NewDevice, NewGeo, YoungAccount float64
	YoungAccountAge                 time.Duration
}

// Rule turns findings into an action on some of their subjects.
type Rule struct {
	Name      string
	Detectors map[string]bool // empty: any detector
	MinScore  float64
	Action    scenarios.Action
	Subjects  map[scenarios.SubjectKind]bool // empty: every subject of the finding
	TTL       time.Duration
	// Throttle is the bucket of a throttle: Rate tokens per second, Burst.
	Throttle Throttle
	Escalate Escalation
}

// Throttle is a token bucket's refill rate (per second) and size.
type Throttle struct {
	Rate  float64
	Burst int
}

// Escalation hardens repeat decisions; After 0 means never.
type Escalation struct {
	After     int
	Action    scenarios.Action
	TTLFactor float64
	MaxTTL    time.Duration
	Window    time.Duration
}

func dur(s string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d
	}
	return def
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orFloat(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// Compile turns a validated PolicyFile into a Policy; call Validate first
// (ParsePolicy does both).
func (f *PolicyFile) Compile() (*Policy, error) {
	d := f.Detectors
	p := &Policy{
		Rate: RateConfig{Window: dur(d.Rate.Window, time.Minute), Identity: orInt(d.Rate.Identity, 900),
			Address: orInt(d.Rate.Address, 600), Fingerprint: orInt(d.Rate.Fingerprint, 600)},
		Enumeration: EnumerationConfig{Window: dur(d.Enumeration.Window, 10*time.Second),
			Distinct: orInt(d.Enumeration.Distinct, 20), Suspicious: orInt(d.Enumeration.Suspicious, 10),
			Sequential:  orInt(d.Enumeration.Sequential, 16),
			DeniedRatio: orFloat(d.Enumeration.DeniedRatio, 0.5)},
		Scraping: ScrapingConfig{Window: dur(d.Scraping.Window, time.Hour), Distinct: orInt(d.Scraping.Distinct, 400),
			Regular: orInt(d.Scraping.Regular, 60), RegularityCV: orFloat(d.Scraping.RegularityCV, 0.3),
			ClusterDistinct: orInt(d.Scraping.ClusterDistinct, 300), ClusterMembers: orInt(d.Scraping.ClusterMembers, 3),
			ClusterOverlap: orFloat(d.Scraping.ClusterOverlap, 0.25), CatalogShare: orFloat(d.Scraping.CatalogShare, 0.3),
			CatalogMinPages: orInt(d.Scraping.CatalogMinPages, 8)},
		Stuffing: StuffingConfig{Window: dur(d.Stuffing.Window, 10*time.Minute), Failures: orInt(d.Stuffing.Failures, 10),
			Usernames: orInt(d.Stuffing.Usernames, 5), FailureRatio: orFloat(d.Stuffing.FailureRatio, 0.5)},
		Reuse: ReuseConfig{Window: dur(d.Reuse.Window, 10*time.Minute), Fingerprints: orInt(d.Reuse.Fingerprints, 3),
			Addresses: orInt(d.Reuse.Addresses, 6), TravelKMH: orFloat(d.Reuse.TravelKMH, 1000),
			TravelWindow: dur(d.Reuse.TravelWindow, 2*time.Hour)},
		Coupon: CouponConfig{Window: dur(d.Coupon.Window, 30*time.Minute), Attempts: orInt(d.Coupon.Attempts, 6),
			Failures: orInt(d.Coupon.Failures, 4), AccountsPerDevice: orInt(d.Coupon.AccountsPerDevice, 3),
			Repeats: orInt(d.Coupon.Repeats, 2), FailureRatio: orFloat(d.Coupon.FailureRatio, 0.6)},
		Flow: FlowConfig{MinSessions: orInt(d.Flow.MinSessions, 20), BeforeServing: d.Flow.BeforeServing == nil || *d.Flow.BeforeServing},
		Amplification: AmplificationConfig{Copies: orInt(d.Amplification.Copies, 8),
			SensitiveCopies: orInt(d.Amplification.SensitiveCopies, 5), Fields: orInt(d.Amplification.Fields, 50)},
		Sweep: SweepConfig{Window: dur(d.Sweep.Window, time.Hour), Run: orInt(d.Sweep.Run, 32),
			Subjects: orInt(d.Sweep.Subjects, 8), MaxSubjects: orInt(d.Sweep.MaxSubjects, 64),
			CatalogShare: orFloat(d.Sweep.CatalogShare, 0.5)},
		Oversize: OversizeConfig{Cap: orInt(d.Oversize.Cap, 1000)},
		Hoarding: HoardingConfig{Window: dur(d.Hoarding.Window, 24*time.Hour), Units: orInt(d.Hoarding.Units, 200)},
		Signup: SignupConfig{Window: dur(d.Signup.Window, time.Hour), Address: orInt(d.Signup.Address, 30),
			Network: orInt(d.Signup.Network, 60), Device: orInt(d.Signup.Device, 30)},
	}
	r := f.Risk
	p.Risk = RiskConfig{
		HalfLife: dur(r.HalfLife, 10*time.Minute), Points: map[string]float64{},
		NewDevice: orFloat(r.NewDevice, 1), NewGeo: orFloat(r.NewGeo, 1), YoungAccount: orFloat(r.YoungAccount, 1),
		YoungAccountAge: dur(r.YoungAccountAge, 24*time.Hour),
	}
	for _, name := range detectorNames() {
		p.Risk.Points[name] = 100
	}
	for name, v := range r.Points {
		p.Risk.Points[name] = v
	}
	for i, level := range []string{"low", "medium", "high"} {
		p.Risk.Sensitivity[i] = orFloat(r.Sensitivity[level], 1)
	}
	for i, rf := range f.Rules {
		rule, err := compileRule(rf)
		if err != nil {
			return nil, fmt.Errorf("policy %s: rules[%d]: %w", f.name, i, err)
		}
		p.Rules = append(p.Rules, rule)
	}
	return p, nil
}

func compileRule(rf RuleFile) (Rule, error) {
	a, ok := scenarios.ParseAction(rf.Action)
	if !ok {
		return Rule{}, fmt.Errorf("unknown action %q", rf.Action)
	}
	r := Rule{Name: rf.Name, MinScore: rf.MinScore, Action: a, TTL: dur(rf.TTL, 5*time.Minute)}
	if len(rf.Detectors) > 0 {
		r.Detectors = map[string]bool{}
		for _, d := range rf.Detectors {
			r.Detectors[d] = true
		}
	}
	if len(rf.Subjects) > 0 {
		r.Subjects = map[scenarios.SubjectKind]bool{}
		for _, s := range rf.Subjects {
			k, _ := scenarios.ParseSubjectKind(s)
			r.Subjects[k] = true
		}
	}
	if rf.Throttle != nil {
		rate, err := parseRate(rf.Throttle.Rate)
		if err != nil {
			return Rule{}, err
		}
		r.Throttle = Throttle{Rate: rate, Burst: max(rf.Throttle.Burst, 1)}
	}
	if e := rf.Escalate; e != nil {
		r.Escalate = Escalation{After: e.After, Action: a, TTLFactor: orFloat(e.TTLFactor, 1),
			MaxTTL: dur(e.MaxTTL, 24*time.Hour), Window: dur(e.Window, 24*time.Hour)}
		if ea, ok := scenarios.ParseAction(e.Action); ok {
			r.Escalate.Action = ea
		}
	}
	return r, nil
}

// parseRate reads "N/s", "N/m" or "N/h" as tokens per second.
func parseRate(s string) (float64, error) {
	n, unit, ok := strings.Cut(s, "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("rate %q: write a positive count per unit, such as 2/s, 30/m or 100/h", s)
	}
	switch strings.TrimSpace(unit) {
	case "s":
		return v, nil
	case "m":
		return v / 60, nil
	case "h":
		return v / 3600, nil
	}
	return 0, fmt.Errorf("rate %q: unit must be s, m or h", s)
}

// match reports whether the rule decides a finding of detector at score.
func (r *Rule) match(detector string, score float64) bool {
	return (len(r.Detectors) == 0 || r.Detectors[detector]) && score >= r.MinScore
}

// escalated returns the action and TTL of the level-th repeat decision.
func (r *Rule) escalated(level int) (scenarios.Action, time.Duration) {
	e := r.Escalate
	if e.After == 0 || level < e.After {
		return r.Action, r.TTL
	}
	ttl := float64(r.TTL)
	for range level - e.After + 1 {
		ttl *= e.TTLFactor
		if ttl > float64(e.MaxTTL) {
			ttl = float64(e.MaxTTL)
			break
		}
	}
	return e.Action, time.Duration(ttl)
}
