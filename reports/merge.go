package reports

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// timelineVersion is the format of the timeline file: 2 writes exchanges
// compact (Exchange.AppendCompactJSON); 1, encoding/json's whole struct,
// is still read.
const timelineVersion = 2

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

type timelineLine struct {
	D *scenarios.Decision `json:"d,omitempty"`
	X *compactExchange    `json:"x,omitempty"`
}

// compactExchange reads an exchange line: FirstByte and Done, left out
// when they equal Sent, are told apart from a written zero.
type compactExchange struct {
	scenarios.Exchange
	FirstByte *time.Time
	Done      *time.Time
}

func (c *compactExchange) exchange() scenarios.Exchange {
	x := c.Exchange
	x.FirstByte, x.Done = x.Sent, x.Sent
	if c.FirstByte != nil {
		x.FirstByte = *c.FirstByte
	}
	if c.Done != nil {
		x.Done = *c.Done
	}
	return x
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
	dec := json.NewDecoder(zr)
	var h timelineHeader
	if err := dec.Decode(&h); err != nil {
		return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: timeline %s: header: %w", path, err)
	}
	if h.Version < 1 || h.Version > timelineVersion {
		return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: timeline %s: version %d, want 1 to %d (a newer abusegate wrote it?)", path, h.Version, timelineVersion)
	}
	tl := scenarios.Timeline{Start: h.Start, End: h.End, Dropped: h.Dropped}
	for n := 2; ; n++ {
		var l timelineLine
		err := dec.Decode(&l)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return scenarios.Timeline{}, nil, "", fmt.Errorf("reports: timeline %s: line %d: %w", path, n, err)
		}
		switch {
		case l.D != nil:
			tl.Decisions = append(tl.Decisions, *l.D)
		case l.X != nil:
			tl.Exchanges = append(tl.Exchanges, l.X.exchange())
		}
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
