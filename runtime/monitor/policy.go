package monitor

import (
	_ "embed"
	"errors"
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

//go:embed default_policy.yaml
var defaultPolicyYAML []byte

// DefaultPolicyYAML is the embedded default policy, for `guard --print-policy`
// style tooling and as a starting point for a team's own.
func DefaultPolicyYAML() []byte { return append([]byte(nil), defaultPolicyYAML...) }

// PolicyFile is a policy as written in YAML: strings stay strings, so one
// file can be validated whole before anything is compiled. Compile turns it
// into a Policy.
type PolicyFile struct {
	Version   int           `yaml:"version"`
	Detectors DetectorsFile `yaml:"detectors"`
	Risk      RiskFile      `yaml:"risk"`
	Rules     []RuleFile    `yaml:"rules"`

	// name and pos locate fields for error messages: the file name, and
	// the line:col of every field path ("rules[2].ttl").
	name string
	pos  map[string]string
}

// DetectorsFile holds each detector's thresholds.
type DetectorsFile struct {
	Rate        RateFile        `yaml:"rate"`
	Enumeration EnumerationFile `yaml:"enumeration"`
	Scraping    ScrapingFile    `yaml:"scraping"`
	Stuffing    StuffingFile    `yaml:"stuffing"`
	Reuse       ReuseFile       `yaml:"reuse"`
	Coupon      CouponFile      `yaml:"coupon"`
	Flow        FlowFile        `yaml:"flow"`
	// Amplification is many operations in one request (GraphQL).
	Amplification AmplificationFile `yaml:"amplification"`
	// Sweep is a collection's pages harvested collectively by many
	// clients, each far under any per-client threshold.
	Sweep SweepFile `yaml:"sweep"`
	// Oversize is a REST request asking for a page over the collection's
	// maximum.
	Oversize OversizeFile `yaml:"oversize"`
	// Hoarding is stock held in carts never paid.
	Hoarding HoardingFile `yaml:"hoarding"`
	// Signup is mass account creation from one source.
	Signup SignupFile `yaml:"signup"`
}

// SignupFile configures the sign-up detector: successful sign-ups within
// Window per client Address, per Network (/24, IPv6 /64) and per Device
// within a network.
type SignupFile struct {
	Window  string `yaml:"window"`
	Address int    `yaml:"address"`
	Network int    `yaml:"network"`
	Device  int    `yaml:"device"`
}

// HoardingFile configures the hoarding detector: Units held in carts
// since the last checkout, the carts' additions within Window.
type HoardingFile struct {
	Window string `yaml:"window"`
	Units  int    `yaml:"units"`
}

// OversizeFile configures the oversized-page detector: Cap is the largest
// page a request may ask for where the spec documents no maximum.
type OversizeFile struct {
	Cap int `yaml:"cap"`
}

// RateFile configures the sliding-window rate detector.
type RateFile struct {
	Window      string `yaml:"window"`
	Identity    int    `yaml:"identity"`
	Address     int    `yaml:"address"`
	Fingerprint int    `yaml:"fingerprint"`
}

// EnumerationFile configures the enumeration (BOLA) detector.
type EnumerationFile struct {
	Window      string  `yaml:"window"`
	Distinct    int     `yaml:"distinct"`
	Suspicious  int     `yaml:"suspicious"`
	Sequential  int     `yaml:"sequential"`
	DeniedRatio float64 `yaml:"denied_ratio"`
}

// ScrapingFile configures the slow and distributed scraping detector.
type ScrapingFile struct {
	Window          string  `yaml:"window"`
	Distinct        int     `yaml:"distinct"`
	Regular         int     `yaml:"regular"`
	RegularityCV    float64 `yaml:"regularity_cv"`
	ClusterDistinct int     `yaml:"cluster_distinct"`
	ClusterMembers  int     `yaml:"cluster_members"`
	ClusterOverlap  float64 `yaml:"cluster_overlap"`
	// CatalogShare and CatalogMinPages: where the catalog's size is known,
	// an identity, or the clients of one address prefix, whose distinct
	// pages (at least CatalogMinPages) hold more than this share of it.
	CatalogShare    float64 `yaml:"catalog_share"`
	CatalogMinPages int     `yaml:"catalog_min_pages"`
}

// StuffingFile configures the credential-stuffing detector.
type StuffingFile struct {
	Window       string  `yaml:"window"`
	Failures     int     `yaml:"failures"`
	FailureRatio float64 `yaml:"failure_ratio"`
	Usernames    int     `yaml:"usernames"`
}

// ReuseFile configures the credential-reuse detector.
type ReuseFile struct {
	Window       string  `yaml:"window"`
	Fingerprints int     `yaml:"fingerprints"`
	Addresses    int     `yaml:"addresses"`
	TravelKMH    float64 `yaml:"travel_kmh"`
	TravelWindow string  `yaml:"travel_window"`
}

// CouponFile configures the coupon-abuse detector.
type CouponFile struct {
	Window            string  `yaml:"window"`
	Attempts          int     `yaml:"attempts"`
	Failures          int     `yaml:"failures"`
	FailureRatio      float64 `yaml:"failure_ratio"`
	AccountsPerDevice int     `yaml:"accounts_per_device"`
	Repeats           int     `yaml:"repeats"`
}

// FlowFile configures the flow-bypass detector. BeforeServing (default
// true) checks the spec's required predecessor before a request is served,
// so the guard refuses the first out-of-order request; turn it off where
// replicas share state without sticky sessions, so a predecessor served by
// one replica may not have reached another when the next step arrives.
type FlowFile struct {
	MinSessions   int   `yaml:"min_sessions"`
	BeforeServing *bool `yaml:"before_serving"`
}

// AmplificationFile configures the detector of many operations in one
// request: Copies of one field, SensitiveCopies of a login, sign-up,
// coupon, checkout, object read or high-sensitivity field, or Fields of
// any kind.
type AmplificationFile struct {
	Copies          int `yaml:"copies"`
	SensitiveCopies int `yaml:"sensitive_copies"`
	Fields          int `yaml:"fields"`
}

// SweepFile configures the collective sweep detector: Run consecutive
// pages of one collection each read exactly once within Window, by at
// least Subjects distinct clients; a finding names at most MaxSubjects.
type SweepFile struct {
	Window      string `yaml:"window"`
	Run         int    `yaml:"run"`
	Subjects    int    `yaml:"subjects"`
	MaxSubjects int    `yaml:"max_subjects"`
	// CatalogShare shortens Run, where the collection's size is known, to
	// this share of its pages (never below Subjects).
	CatalogShare float64 `yaml:"catalog_share"`
}

// RiskFile configures the decaying risk score.
type RiskFile struct {
	HalfLife        string             `yaml:"half_life"`
	Points          map[string]float64 `yaml:"points"`
	Sensitivity     map[string]float64 `yaml:"sensitivity"`
	NewDevice       float64            `yaml:"new_device"`
	NewGeo          float64            `yaml:"new_geo"`
	YoungAccount    float64            `yaml:"young_account"`
	YoungAccountAge string             `yaml:"young_account_age"`
}

// RuleFile maps findings to an action. Rules are tried in order; the first
// whose detectors and min_score match decides.
type RuleFile struct {
	Name      string        `yaml:"name"`
	Detectors []string      `yaml:"detectors"`
	MinScore  float64       `yaml:"min_score"`
	Action    string        `yaml:"action"`
	Subjects  []string      `yaml:"subjects"`
	TTL       string        `yaml:"ttl"`
	Throttle  *ThrottleFile `yaml:"throttle"`
	Escalate  *EscalateFile `yaml:"escalate"`
}

// ThrottleFile is a throttle's token bucket: "rate: 2/s", "burst: 10".
type ThrottleFile struct {
	Rate  string `yaml:"rate"`
	Burst int    `yaml:"burst"`
}

// EscalateFile says how repeat offenders are treated: from the after-th
// earlier decision on the subject on, the action becomes Action and the
// TTL grows by TTLFactor per level, up to MaxTTL.
type EscalateFile struct {
	After     int     `yaml:"after"`
	Action    string  `yaml:"action"`
	TTLFactor float64 `yaml:"ttl_factor"`
	MaxTTL    string  `yaml:"max_ttl"`
	Window    string  `yaml:"window"`
}

// LoadPolicy reads, validates and compiles a policy file.
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return ParsePolicy(path, data)
}

// DefaultPolicy is the embedded default policy, compiled.
func DefaultPolicy() *Policy {
	p, err := ParsePolicy("default_policy.yaml", defaultPolicyYAML)
	if err != nil {
		panic(fmt.Sprintf("monitor: embedded default policy: %v", err)) // a build defect, caught by tests
	}
	return p
}

// ParsePolicy validates and compiles policy YAML; name is the file name
// used in error positions. The error joins every problem found.
func ParsePolicy(name string, data []byte) (*Policy, error) {
	f, err := DecodePolicy(name, data)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f.Compile()
}

// DecodePolicy reads policy YAML into its raw form. Unknown keys and
// malformed YAML are errors, every one of them reported with file:line:col.
func DecodePolicy(name string, data []byte) (*PolicyFile, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %s", name, yaml.FormatError(err, false, false))
	}
	f := &PolicyFile{name: name, pos: map[string]string{}}
	var errs []error
	for _, doc := range file.Docs {
		if doc.Body != nil {
			errs = append(errs, f.walk(doc.Body, "", policyFileSchema())...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := yaml.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("policy %s: %s", name, yaml.FormatError(err, false, false))
	}
	return f, nil
}
