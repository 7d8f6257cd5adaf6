package reports

import (
	"time"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/scenarios"
)

// SchemaVersion names the shape of Report. It changes when a field is
// removed or changes meaning, so baselines and dashboards can refuse a
// report they do not understand instead of misreading it.
const SchemaVersion = "abusegate.report/v1"

// Meta is what the oracle cannot know about a run: which tool and command
// produced it, in what guard mode, against what target, and when. cmd
// fills it from its flags and Clock.
type Meta struct {
	Tool    string
	Command string // such as "demo", "run", "simulate"
	Mode    string // the guard mode, such as "enforce" or "shadow"
	Target  string
	// Started and Ended default to the timeline's start and end.
	Started   time.Time
	Ended     time.Time
	Simulated bool
}

// Report is the one model every format renders. Field order is the JSON
// order, so reports diff cleanly between runs.
type Report struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          string    `json:"tool_version"`
	Command       string    `json:"command"`
	Mode          string    `json:"mode"`
	Target        string    `json:"target"`
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended"`
	// Duration is Ended - Started, rendered like "1m30s".
	Duration  string `json:"duration"`
	Simulated bool   `json:"simulated"`
	// Pass is the gate: true when every scenario met its SLA.
	Pass       bool             `json:"pass"`
	Scenarios  []ScenarioReport `json:"scenarios"`
	Kinds      []KindReport     `json:"kinds"`
	Resilience ResilienceReport `json:"resilience"`
	Benign     BenignReport     `json:"benign"`
	// Timeline is the traffic over time, when the command kept it (see
	// Timeline); the HTML report draws it.
	Timeline *TimelineReport `json:"timeline,omitempty"`
	// Segment is the execution segment ("1/4") a sharded run's report
	// covers; empty for the whole plan.
	Segment string `json:"segment,omitempty"`
	// TimelineFile names the compact timeline written beside report.json
	// (see WriteTimelineFile), which `report merge` joins across shards.
	TimelineFile string `json:"timeline_file,omitempty"`
	// Sources names the detection sources the run listened to.
	Sources []string `json:"sources,omitempty"`
}

// ScenarioReport is one oracle verdict flattened for rendering. Times that
// did not happen are null (T0, ContainedAt, the *Seconds fields) and their
// human strings empty: never contained is a failed SLA, not a number.
type ScenarioReport struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	LeakUnit string `json:"leak_unit"`
	Status   string `json:"status"`
	Pass     bool   `json:"pass"`
	// T0 is when the first abusive request was sent.
	T0          *time.Time       `json:"t0"`
	Detected    bool             `json:"detected"`
	MTTDSeconds *float64         `json:"mttd_seconds"`
	MTTD        string           `json:"mttd,omitempty"`
	DetectedBy  *DetectionReport `json:"detected_by,omitempty"`
	Contained   bool             `json:"contained"`
	ContainedAt *time.Time       `json:"contained_at"`
	MTTCSeconds *float64         `json:"mttc_seconds"`
	MTTC        string           `json:"mttc,omitempty"`
	// LeakBefore is the leak before containment (all of it when never
	// contained), in LeakUnit.
	LeakBefore int            `json:"leak_before_containment"`
	LeakTotal  int            `json:"leak_total"`
	Requests   int            `json:"requests"`
	Successes  int            `json:"successes"`
	Denied     int            `json:"denied"`
	SLA        SLAReport      `json:"sla"`
	Breaches   []BreachReport `json:"breaches"`
	// Operations are the spec operations the scenario abused and where
	// the spec declares them, for SARIF findings at spec locations.
	Operations []OperationReport `json:"operations,omitempty"`
	// Shadow is the built-in monitor's verdict as a shadow beside the
	// run's own detection sources, when one ran.
	Shadow *ShadowReport `json:"shadow,omitempty"`
}

// OperationReport is an abused operation and its place in the spec.
type OperationReport struct {
	Operation string `json:"operation"` // such as "GET /users/{id}"
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
}

// DetectionReport says which decision a scenario's MTTD was measured from,
// so a reader can tell which detector caught the attack and why.
type DetectionReport struct {
	Decision string    `json:"decision"`
	Time     time.Time `json:"time"`
	// DecidedAt is set when the decision came after the scenario was
	// contained: Time is then the containment (oracle.Detection).
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Detector  string     `json:"detector"`
	Reason    string     `json:"reason"`
	Subject   string     `json:"subject"` // such as "identity:mallory"
	Action    string     `json:"action"`
	Enforced  bool       `json:"enforced"`
}

// SLAReport is the SLA a scenario was judged by. Absent bounds were not
// checked.
type SLAReport struct {
	MTTD       string  `json:"mttd,omitempty"`
	MTTC       string  `json:"mttc,omitempty"`
	MaxLeak    *int    `json:"max_leak,omitempty"`
	MaxBenign  *int    `json:"max_benign,omitempty"`
	MaxSuccess float64 `json:"max_success"`
}

// BreachReport is one broken SLA bound, as the oracle worded it.
type BreachReport struct {
	Bound   string `json:"bound"`
	Limit   string `json:"limit"`
	Got     string `json:"got"`
	Over    string `json:"over,omitempty"`
	Message string `json:"message"`
}

// BenignReport is the run's false-positive figure: benign sessions that
// received a containment answer.
type BenignReport struct {
	Sessions     int      `json:"sessions"`
	Hurt         int      `json:"hurt"`
	Rate         float64  `json:"rate"`
	HurtSessions []string `json:"hurt_sessions"`
}

// New builds the report of a run from its metadata and the oracle's result.
func New(meta Meta, res oracle.Result) Report {
	r := Report{
		SchemaVersion: SchemaVersion,
		Tool:          meta.Tool,
		Command:       meta.Command,
		Mode:          meta.Mode,
		Target:        meta.Target,
		Started:       meta.Started,
		Ended:         meta.Ended,
		Simulated:     meta.Simulated,
		Pass:          res.Pass,
		Scenarios:     make([]ScenarioReport, 0, len(res.Verdicts)),
		Kinds:         kindReports(res.Kinds),
		Resilience:    resilienceReport(res.Resilience),
		Benign: BenignReport{
			Sessions:     res.Benign.Sessions,
			Hurt:         res.Benign.Hurt,
			Rate:         res.Benign.Rate,
			HurtSessions: append([]string{}, res.Benign.HurtSessions...),
		},
	}
	if r.Started.IsZero() {
		r.Started = res.Start
	}
	if r.Ended.IsZero() {
		r.Ended = res.End
	}
	if !r.Started.IsZero() && !r.Ended.IsZero() {
		r.Duration = oracle.FormatDuration(r.Ended.Sub(r.Started))
	}
	for _, v := range res.Verdicts {
		r.Scenarios = append(r.Scenarios, scenarioReport(v))
	}
	return r
}

func scenarioReport(v oracle.Verdict) ScenarioReport {
	s := ScenarioReport{
		ID:         v.Scenario,
		Kind:       v.Kind,
		Title:      v.Title,
		LeakUnit:   v.LeakUnit,
		Status:     v.Status.String(),
		Pass:       v.Pass,
		Detected:   v.Detected,
		Contained:  v.Contained,
		LeakBefore: v.LeakBefore,
		LeakTotal:  v.LeakTotal,
		Requests:   v.Requests,
		Successes:  v.Successes,
		Denied:     v.Denied,
		SLA:        slaReport(v.SLA),
		Breaches:   make([]BreachReport, 0, len(v.Breaches)),
	}
	if !v.T0.IsZero() {
		s.T0 = ptr(v.T0)
	}
	if v.Detected {
		s.MTTDSeconds = ptr(v.MTTD.Seconds())
		s.MTTD = oracle.FormatDuration(v.MTTD)
		d := v.Detection
		s.DetectedBy = &DetectionReport{
			Decision: d.Decision,
			Time:     d.Time,
			Detector: d.Detector,
			Reason:   d.Reason,
			Subject:  subjectText(d),
			Action:   d.Action.String(),
			Enforced: d.Enforced,
		}
		if d.FromContainment {
			s.DetectedBy.DecidedAt = ptr(d.DecidedAt)
		}
	}
	if v.Contained {
		s.ContainedAt = ptr(v.ContainedAt)
		s.MTTCSeconds = ptr(v.MTTC.Seconds())
		s.MTTC = oracle.FormatDuration(v.MTTC)
	}
	for _, b := range v.Breaches {
		s.Breaches = append(s.Breaches, BreachReport{
			Bound:   string(b.Bound),
			Limit:   b.Limit,
			Got:     b.Got,
			Over:    b.Over,
			Message: b.Message,
		})
	}
	return s
}

// subjectText names what a detection was about: its subject, or the
// correlation id of the request an external alert named.
func subjectText(d oracle.Detection) string {
	if d.Subject.Kind == 0 && d.CorrelationID != "" {
		return "correlation:" + d.CorrelationID
	}
	return d.Subject.String()
}

func slaReport(sla scenarios.SLA) SLAReport {
	s := SLAReport{MaxSuccess: sla.MaxSuccess}
	if sla.MTTD > 0 {
		s.MTTD = oracle.FormatDuration(sla.MTTD)
	}
	if sla.MTTC > 0 {
		s.MTTC = oracle.FormatDuration(sla.MTTC)
	}
	if sla.MaxLeak >= 0 {
		s.MaxLeak = ptr(sla.MaxLeak)
	}
	if sla.MaxBenign >= 0 {
		s.MaxBenign = ptr(sla.MaxBenign)
	}
	return s
}

func ptr[T any](v T) *T { return &v }
