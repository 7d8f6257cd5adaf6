package harness

import (
	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/scenarios"
)

// fold is what a streamed run (Options.Stream) keeps of its exchanges:
// each goes, as it completes, to the oracle's tally, the report's series
// and the compact timeline file, and is then dropped. A simulated day of
// 380,000 exchanges is thus judged, drawn and written without the
// timeline in memory (about 350 bytes an exchange held twice before).
type fold struct {
	oracle   oracle.Tally
	series   reports.SeriesTally
	file     reports.TimelineWriter
	answered int
}

func newFold(red *Redactor) *fold {
	f := &fold{}
	f.file.Redact = red.JSON
	return f
}

// add takes one exchange; the recorder calls it under its lock.
func (f *fold) add(x *scenarios.Exchange) {
	f.oracle.Add(x)
	f.series.Add(x)
	f.file.Add(x)
	if x.Status != 0 {
		f.answered++
	}
}

// streams reports whether the run can fold its exchanges as they
// complete: asked to, and no part of it needs the whole timeline
// afterwards (the shadow monitor replays it, a replay pack captures it).
func (h *Harness) streams() bool {
	if !h.o.Stream || h.o.Capture || h.o.Shadow != nil {
		return false
	}
	for _, s := range h.o.Sources {
		if _, ok := s.(*Shadow); ok {
			return false
		}
	}
	return true
}

// Requests is how many exchanges the run made.
func (o *Outcome) Requests() int {
	if o.fold != nil {
		return o.fold.oracle.Len()
	}
	return len(o.Timeline.Exchanges)
}

// Unanswered reports a run that sent requests none of which got an
// answer (the target is down).
func (o *Outcome) Unanswered() bool {
	if o.fold != nil {
		return o.fold.oracle.Len() > 0 && o.fold.answered == 0
	}
	for _, x := range o.Timeline.Exchanges {
		if x.Status != 0 {
			return false
		}
	}
	return len(o.Timeline.Exchanges) > 0
}

// Close releases what a streamed run kept on disk (the timeline file's
// exchanges); Write cannot write the timeline file after it.
func (o *Outcome) Close() error {
	if o.fold == nil {
		return nil
	}
	return o.fold.file.Close()
}

// writeTimeline writes the compact timeline file to path.
func (o *Outcome) writeTimeline(path, segment string) error {
	if o.fold != nil {
		return o.fold.file.WriteFile(path, o.Timeline, o.Scenarios, segment)
	}
	return reports.WriteTimelineFile(path, o.Timeline, o.Scenarios, segment, o.h.redact.JSON)
}

// timelineReport is the report's timeline series.
func (o *Outcome) timelineReport() *reports.TimelineReport {
	if o.fold != nil {
		return o.fold.series.Timeline(o.Timeline.Start, o.Timeline.End, o.Timeline.Decisions, 0)
	}
	return reports.Timeline(o.Timeline, 0)
}
