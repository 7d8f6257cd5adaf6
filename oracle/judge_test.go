package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestJudgeScenario(t *testing.T) {
	login := scenarios.Exchange{
		Scenario: "enum", Actor: scenarios.Attacker, Identity: "mallory", TokenID: "tok-mallory",
		Addr: "10.0.0.66", Sent: at(-1000), Outcome: scenarios.OutcomeSuccess,
	}
	tests := []struct {
		name       string
		exchanges  []scenarios.Exchange
		decisions  []scenarios.Decision
		status     Status
		t0         time.Time
		detected   bool
		mttd       time.Duration
		decision   string
		contained  bool
		mttc       time.Duration
		leakBefore int
		leakTotal  int
		requests   int
		successes  int
		denied     int
	}{
		{
			name:       "never detected",
			exchanges:  series(0, "sssss", 2),
			status:     Undetected,
			t0:         at(0),
			leakBefore: 10, leakTotal: 10, requests: 5, successes: 5,
		},
		{
			name:      "detected but never contained",
			exchanges: series(0, "ssssss", 1),
			decisions: []scenarios.Decision{decide("d1", 2500, scenarios.SubjectIdentity, "mallory")},
			status:    DetectedNotContained,
			t0:        at(0),
			detected:  true, mttd: 2500 * time.Millisecond, decision: "d1",
			leakBefore: 6, leakTotal: 6, requests: 6, successes: 6,
		},
		{
			name: "detected and contained",
			// A set-up login before the attack, five leaking reads, 25
			// denials and one late sporadic leak that does not undo the
			// containment (1/26 < 5%).
			exchanges: append(append([]scenarios.Exchange{login}, series(0, "sssss"+repeat("d", 25), 1)...),
				attack(30000, scenarios.OutcomeSuccess, 1)),
			decisions: []scenarios.Decision{
				decide("late", 9000, scenarios.SubjectIdentity, "mallory"),
				decide("first", 3500, scenarios.SubjectToken, "tok-mallory"),
			},
			status:   Contained,
			t0:       at(0),
			detected: true, mttd: 3500 * time.Millisecond, decision: "first",
			contained: true, mttc: 5 * time.Second,
			leakBefore: 5, leakTotal: 6, requests: 31, successes: 6, denied: 25,
		},
		{
			name:      "contained then resumed is not contained at the first denial",
			exchanges: series(10, "ssddssss"+repeat("d", 10), 3),
			decisions: []scenarios.Decision{decide("d1", 12000, scenarios.SubjectAddress, "10.0.0.66")},
			status:    Contained,
			t0:        at(10000),
			detected:  true, mttd: 2 * time.Second, decision: "d1",
			contained: true, mttc: 8 * time.Second,
			leakBefore: 18, leakTotal: 18, requests: 18, successes: 6, denied: 12,
		},
		{
			name:      "contained then resumed for good is never contained",
			exchanges: series(0, "ssddssss", 1),
			decisions: []scenarios.Decision{decide("d1", 2000, scenarios.SubjectIdentity, "mallory")},
			status:    DetectedNotContained,
			t0:        at(0),
			detected:  true, mttd: 2 * time.Second, decision: "d1",
			leakBefore: 6, leakTotal: 6, requests: 8, successes: 6, denied: 2,
		},
		{
			// No detector reported it: contained, never detected.
			name:      "contained without any decision",
			exchanges: series(0, "sddd", 1),
			status:    Contained,
			t0:        at(0),
			contained: true, mttc: time.Second,
			leakBefore: 1, leakTotal: 1, requests: 4, successes: 1, denied: 3,
		},
		{
			name:      "a decision before t0 clamps MTTD at zero",
			exchanges: append([]scenarios.Exchange{login}, series(0, "sd", 1)...),
			decisions: []scenarios.Decision{decide("early", -500, scenarios.SubjectIdentity, "mallory")},
			status:    Contained,
			t0:        at(0),
			detected:  true, mttd: 0, decision: "early",
			contained: true, mttc: time.Second,
			leakBefore: 1, leakTotal: 1, requests: 2, successes: 1, denied: 1,
		},
		{
			name:      "no attack",
			exchanges: []scenarios.Exchange{login},
			decisions: []scenarios.Decision{decide("d1", 0, scenarios.SubjectIdentity, "mallory")},
			status:    NoAttack,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := scenarios.Timeline{Start: base, Exchanges: tt.exchanges, Decisions: tt.decisions}
			res := Judge(tl, []scenarios.Scenario{scenario(noBounds)})
			require.Len(t, res.Verdicts, 1)
			v := res.Verdicts[0]
			assert.Equal(t, tt.status, v.Status, "status %s", v.Status)
			assert.Equal(t, tt.t0, v.T0, "t0")
			assert.Equal(t, tt.detected, v.Detected, "detected")
			assert.Equal(t, tt.mttd, v.MTTD, "mttd")
			assert.Equal(t, tt.decision, v.Detection.Decision, "decision")
			assert.Equal(t, tt.contained, v.Contained, "contained")
			assert.Equal(t, tt.mttc, v.MTTC, "mttc")
			if tt.contained {
				assert.Equal(t, tt.t0.Add(tt.mttc), v.ContainedAt, "contained at")
			}
			assert.Equal(t, tt.leakBefore, v.LeakBefore, "leak before")
			assert.Equal(t, tt.leakTotal, v.LeakTotal, "leak total")
			assert.Equal(t, tt.requests, v.Requests, "requests")
			assert.Equal(t, tt.successes, v.Successes, "successes")
			assert.Equal(t, tt.denied, v.Denied, "denied")
			if tt.status == NoAttack {
				require.Len(t, v.Breaches, 1)
				assert.Equal(t, BoundAttack, v.Breaches[0].Bound)
				assert.Contains(t, v.Breaches[0].Message, "no abusive request was sent")
				assert.False(t, v.Pass)
				assert.False(t, res.Pass)
			} else {
				assert.Empty(t, v.Breaches)
				assert.True(t, v.Pass)
				assert.True(t, res.Pass)
			}
		})
	}
}

func TestJudgeAttribution(t *testing.T) {
	// Scenario "enum" is mallory (token tok-mallory, address 10.0.0.66,
	// device firefox-mallory); scenario "stuffing" is trudy on 10.0.0.77.
	// A decision is attributed to "enum" only when it names one of enum's
	// own subjects.
	other := attack(500, scenarios.OutcomeSuccess, 0)
	other.Scenario, other.Identity, other.TokenID, other.Addr = "stuffing", "trudy", "tok-trudy", "10.0.0.77"
	benign := scenarios.Exchange{Actor: scenarios.Benign, Session: "alice-1", Identity: "alice", Addr: "10.0.0.5", Fingerprint: "chrome-common", Sent: at(0)}
	exchanges := append(series(0, "sss", 1), other, benign)
	// mallory also sends once from the office address alice uses.
	fromOffice := attack(2500, scenarios.OutcomeSuccess, 1)
	fromOffice.Addr = "10.0.0.5"
	// ... and once with the browser profile alice has too.
	commonBrowser := attack(2600, scenarios.OutcomeSuccess, 1)
	commonBrowser.Fingerprint = "chrome-common"
	exchanges = append(exchanges, commonBrowser)
	exchanges = append(exchanges, fromOffice)

	tests := []struct {
		name     string
		subject  scenarios.Subject
		detected bool
	}{
		{"by identity", scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"}, true},
		{"by token", scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-mallory"}, true},
		{"by address", scenarios.Subject{Kind: scenarios.SubjectAddress, Value: "10.0.0.66"}, true},
		{"another scenario's identity", scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "trudy"}, false},
		{"another scenario's token", scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-trudy"}, false},
		{"a benign user's identity", scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "alice"}, false},
		{"right value, wrong kind", scenarios.Subject{Kind: scenarios.SubjectToken, Value: "mallory"}, false},
		{"empty value", scenarios.Subject{Kind: scenarios.SubjectIdentity}, false},
		{"an address benign users share", scenarios.Subject{Kind: scenarios.SubjectAddress, Value: "10.0.0.5"}, false},
		{"by device fingerprint", scenarios.Subject{Kind: scenarios.SubjectFingerprint, Value: "firefox-mallory"}, true},
		{"a device benign users share", scenarios.Subject{Kind: scenarios.SubjectFingerprint, Value: "chrome-common"}, false},
		{"a device named otherwise", scenarios.Subject{Kind: scenarios.SubjectFingerprint, Value: "fp-244888a0e848"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide("d1", 1500, tt.subject.Kind, tt.subject.Value)
			d.Enforced = false // shadow-mode decisions are detections too
			d.Action = scenarios.ActionAlert
			tl := scenarios.Timeline{Exchanges: exchanges, Decisions: []scenarios.Decision{d}}
			v := Judge(tl, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
			assert.Equal(t, tt.detected, v.Detected)
			if tt.detected {
				assert.Equal(t, 1500*time.Millisecond, v.MTTD)
				assert.Equal(t, Detection{
					Time: at(1500), DecidedAt: at(1500), Decision: "d1", Detector: "enumeration", Reason: "sequential ids",
					Subject: tt.subject, Action: scenarios.ActionAlert,
				}, v.Detection)
			} else {
				assert.Equal(t, Detection{}, v.Detection)
				assert.Equal(t, Undetected, v.Status)
			}
		})
	}
}

func TestJudgeBenign(t *testing.T) {
	b := func(session string, vu int, o scenarios.Outcome) scenarios.Exchange {
		return scenarios.Exchange{Actor: scenarios.Benign, Session: session, VU: vu, Sent: at(0), Outcome: o}
	}
	tests := []struct {
		name      string
		exchanges []scenarios.Exchange
		want      Benign
	}{
		{name: "no benign traffic", want: Benign{HurtSessions: []string{}}},
		{
			name:      "nobody hurt",
			exchanges: []scenarios.Exchange{b("a", 1, scenarios.OutcomeSuccess), b("b", 2, scenarios.OutcomeFailed)},
			want:      Benign{Sessions: 2, HurtSessions: []string{}},
		},
		{
			name: "one denial hurts the whole session once",
			exchanges: []scenarios.Exchange{
				b("c", 1, scenarios.OutcomeSuccess), b("c", 1, scenarios.OutcomeDenied), b("c", 1, scenarios.OutcomeDenied),
				b("a", 2, scenarios.OutcomeDenied),
				b("b", 3, scenarios.OutcomeSuccess), b("b", 3, scenarios.OutcomeError),
				b("d", 4, scenarios.OutcomeSuccess),
			},
			want: Benign{Sessions: 4, Hurt: 2, Rate: 0.5, HurtSessions: []string{"a", "c"}},
		},
		{
			name:      "exchanges without a session count per VU",
			exchanges: []scenarios.Exchange{b("", 7, scenarios.OutcomeDenied), b("", 8, scenarios.OutcomeSuccess)},
			want:      Benign{Sessions: 2, Hurt: 1, Rate: 0.5, HurtSessions: []string{"vu-7"}},
		},
		{
			name:      "attacker denials are not benign harm",
			exchanges: append(series(0, "ddd", 0), b("a", 1, scenarios.OutcomeSuccess)),
			want:      Benign{Sessions: 1, HurtSessions: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Judge(scenarios.Timeline{Exchanges: tt.exchanges}, nil)
			assert.Equal(t, tt.want, res.Benign)
			assert.False(t, res.Pass, "an empty plan never passes")
		})
	}
}
