package reports

import (
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/scenarios"
)

// TimelineFileName is the compact timeline a run writes beside
// report.json: gzipped JSON lines, a header then one decision or exchange
// a line. `report merge` joins the shards' files and judges them again,
// because MTTD, MTTC and leaks of a sharded run cannot be added up from
// the shards' verdicts: they need every shard's exchanges on one axis.
const TimelineFileName = "timeline.jsonl.gz"

// timelineVersion is the format of the timeline file. Every version is
// gzipped JSON lines, the first a header ({"version":N,"start",...}),
// then one decision a line ({"d":{...}}, encoding/json's Decision), then
// the exchanges:
//
//   - 1: {"x":{...}}, encoding/json's whole Exchange;
//   - 2: the same, less zero numbers, false, empty strings, and FirstByte
//     and Done equal to Sent;
//   - 3: each exchange line {"x":{"s":1,"o":1,"c":7,"p":"/users/100",
//     "t":1767225771946006136,"code":200,"b":138}} names by number the
//     session line {"s":{"n":1,"Scenario":...,"VU":...,"Actor":...,
//     "Session":...,"Identity":...,"TokenID":...,"Addr":...,
//     "Fingerprint":...}} and the operation line {"o":{"n":1,
//     "Method":...,"Route":...}} above it that hold the values its VU
//     and operation repeat; the exchange line's keys are i (Iteration),
//     c (CorrelationID, or n of Scenario-VU-n), p (Path), a (Abusive),
//     t (Sent: Unix nanoseconds or RFC 3339), fb and done (FirstByte and
//     Done: nanoseconds after Sent or RFC 3339; left out when equal to
//     Sent), code (Status), b (Bytes), out (Outcome, left out when
//     scenarios.Classify gives it), leak, err and refused. appendExchange
//     says what is left out. A simulated exchange costs about a third of
//     version 2's instructions to write, and a quarter of its bytes (a
//     third gzipped).
//
// All three are read.
const timelineVersion = 3

// JudgedScenario is what the oracle needs of a scenario to judge it again.
type JudgedScenario struct {
	ID       string
	Kind     string
	Title    string
	LeakUnit string
	SLA      scenarios.SLA
}

type timelineHeader struct {
	Version   int              `json:"version"`
	Start     time.Time        `json:"start"`
	End       time.Time        `json:"end"`
	Segment   string           `json:"segment,omitempty"`
	Scenarios []JudgedScenario `json:"scenarios"`
	Dropped   map[string]int64 `json:"dropped,omitempty"`
}

// WriteTimelineFile writes tl and the judged scenarios to path
// (atomically), each line passed through redact when it is set.
func WriteTimelineFile(path string, tl scenarios.Timeline, scs []scenarios.Scenario, segment string, redact func([]byte) []byte) error {
	w := &TimelineWriter{Redact: redact}
	for i := range tl.Exchanges {
		w.Add(&tl.Exchanges[i])
	}
	return errors.Join(w.WriteFile(path, tl, scs, segment), w.Close())
}

// ReadTimelineFile reads what WriteTimelineFile wrote.
func ReadTimelineFile(path string) (scenarios.Timeline, []scenarios.Scenario, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: timeline %s: %w", path, err)
	}
	tl, h, err := readTimeline(zr)
	if err != nil {
		return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: timeline %s: %w", path, err)
	}
	scs := make([]scenarios.Scenario, 0, len(h.Scenarios))
	for _, s := range h.Scenarios {
		scs = append(scs, scenarios.Scenario{ID: s.ID, Kind: s.Kind, Title: s.Title, LeakUnit: s.LeakUnit, SLA: s.SLA})
	}
	return tl, scs, h.Segment, nil
}

// Shard is one segment's report and where its report.json was read from
// (its timeline file is found beside it).
type Shard struct {
	Path   string
	Report Report
}

// Merge joins the shards of one sharded run into the report of the whole
// run: their timelines on one axis (decisions seen by several shards, such
// as a shared guard's stream, counted once), judged again by the oracle.
// The shards must be of the same plan: the same scenarios.
func Merge(shards []Shard) (Merged, error) {
	if len(shards) == 0 {
		return Merged{}, errors.New("reports: merge: no shard")
	}
	var tl scenarios.Timeline
	var scs []scenarios.Scenario
	seen := map[string]bool{}
	var segments []string
	for i, s := range shards {
		if s.Report.TimelineFile == "" {
			return Merged{}, fmt.Errorf("reports: merge: %s has no timeline_file: write shards with `abusegate run --segment i/n`", s.Path)
		}
		p := s.Report.TimelineFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(s.Path), p)
		}
		st, sscs, seg, err := ReadTimelineFile(p)
		if err != nil {
			return Merged{}, err
		}
		if i == 0 {
			scs = sscs
		} else if !sameScenarios(scs, sscs) {
			return Merged{}, fmt.Errorf("reports: merge: %s ran other scenarios than %s: shards must come from one plan", s.Path, shards[0].Path)
		}
		if seg != "" {
			if slices.Contains(segments, seg) {
				return Merged{}, fmt.Errorf("reports: merge: segment %s given twice (%s)", seg, s.Path)
			}
			segments = append(segments, seg)
		}
		if tl.Start.IsZero() || (!st.Start.IsZero() && st.Start.Before(tl.Start)) {
			tl.Start = st.Start
		}
		if st.End.After(tl.End) {
			tl.End = st.End
		}
		tl.Exchanges = append(tl.Exchanges, st.Exchanges...)
		for _, d := range st.Decisions {
			key := d.ID + "|" + d.Time.String() + "|" + d.Subject.String() + "|" + d.CorrelationID
			if !seen[key] {
				seen[key] = true
				tl.Decisions = append(tl.Decisions, d)
			}
		}
		for k, v := range st.Dropped {
			if tl.Dropped == nil {
				tl.Dropped = map[string]int64{}
			}
			tl.Dropped[k] += v
		}
	}
	slices.SortStableFunc(tl.Exchanges, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	slices.SortStableFunc(tl.Decisions, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	first := shards[0].Report
	rep := New(Meta{Tool: first.Tool, Command: first.Command, Mode: first.Mode, Target: first.Target, Simulated: first.Simulated}, oracle.Judge(tl, scs))
	rep.Timeline = Timeline(tl, 0)
	rep.Sources = first.Sources
	slices.Sort(segments)
	rep.Segment = "merged " + strings.Join(segments, ",")
	ops := map[string][]OperationReport{}
	for _, s := range first.Scenarios {
		ops[s.ID] = s.Operations
	}
	for i := range rep.Scenarios {
		rep.Scenarios[i].Operations = ops[rep.Scenarios[i].ID]
	}
	return Merged{Report: rep, Timeline: tl, Scenarios: scs}, nil
}

// Merged is a merged run: its report, and the joined timeline with the
// scenarios it was judged against, for the merged timeline file.
type Merged struct {
	Report    Report
	Timeline  scenarios.Timeline
	Scenarios []scenarios.Scenario
}

func sameScenarios(a, b []scenarios.Scenario) bool {
	return slices.EqualFunc(a, b, func(x, y scenarios.Scenario) bool { return x.ID == y.ID && x.Kind == y.Kind })
}
