package monitor

import (
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Detector recognises one kind of misuse in a stream of observations. More
// kinds come as more detectors, each a small stateful type.
//
// The Monitor calls Observe from one goroutine at a time, so a Detector
// need not be safe for concurrent use. Its only clock is the observation's
// Event.Time, and it must bound the memory it keeps per subject.
type Detector interface {
	// Name is the stable id decisions carry in Decision.Detector, such as
	// "distinct-objects".
	Name() string
	// Observe scores one observation and reports a Finding when its subject
	// crosses the detector's threshold. After a finding the detector starts
	// that subject afresh, so a new finding needs new evidence.
	Observe(o Observation) (Finding, bool)
}

// Observation is an event as detectors see it: enriched with its route,
// object id and identity, and attributed to the subject it is scored as.
type Observation struct {
	Event   scenarios.Event
	Subject scenarios.Subject
	// Op is the Surface operation the event exercised, nil when none
	// matched.
	Op *scenarios.Operation
}

// Finding is a detector's evidence against an observation's subject; the
// Monitor's policy turns it into decisions.
type Finding struct {
	// Reason says in a sentence what the subject did, for reports.
	Reason string
}

// objectRead reports whether an operation reads one object by id: tagged
// so by the spec adapter, or a GET with an object-id path parameter.
func objectRead(op *scenarios.Operation) bool {
	if op == nil {
		return false
	}
	if op.Has(scenarios.RoleObjectRead) {
		return true
	}
	if op.Method != "GET" {
		return false
	}
	p, ok := op.ObjectID()
	return ok && p.In == scenarios.InPath
}

// inWindow reports whether something that happened at `at` still counts in
// a sliding window ending at now; shared by the sliding-window detectors.
func inWindow(at, now time.Time, window time.Duration) bool {
	return now.Sub(at) < window
}
