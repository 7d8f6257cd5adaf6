package vu

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress shows a run's live counters: on a terminal one bar per scenario
// (requests, successes, denied, errors, VUs), without one (CI logs) a
// summary line every Every. The command decides which, and where.
type Progress struct {
	Out io.Writer
	// TTY selects the live bars.
	TTY bool
	// Every is the summary-line period; zero means 5s.
	Every time.Duration
	// Stats reads the counters, such as Runner.Stats.
	Stats func() []Snapshot
	Clock Clock
}

// Run reports until ctx is done, then writes the final counters once.
func (p Progress) Run(ctx context.Context) {
	if p.Clock == nil {
		p.Clock = RealClock{}
	}
	start := p.Clock.Now()
	if p.TTY {
		p.bars(ctx)
		return
	}
	every := p.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	for {
		if p.Clock.Sleep(ctx, every) != nil {
			fmt.Fprintln(p.Out, p.line(start, "done"))
			return
		}
		fmt.Fprintln(p.Out, p.line(start, ""))
	}
}

// line is one summary line of every scenario's counters.
func (p Progress) line(start time.Time, tag string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "abusegate +%s", p.Clock.Now().Sub(start).Round(time.Second))
	if tag != "" {
		b.WriteString(" " + tag)
	}
	for i, s := range p.Stats() {
		sep := " "
		if i > 0 {
			sep = " | "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, s.Scenario, counters(s))
	}
	return b.String()
}

func counters(s Snapshot) string {
	out := fmt.Sprintf("%d req, %d ok, %d denied, %d failed, %d errors, %d VUs", s.Requests, s.Success, s.Denied, s.Failed, s.Errors, s.VUs)
	if s.Dropped > 0 {
		out += fmt.Sprintf(", %d dropped", s.Dropped)
	}
	return out
}

// bars draws one mpb bar per scenario, refreshed from Stats.
func (p Progress) bars(ctx context.Context) {
	pr := mpb.New(mpb.WithOutput(p.Out), mpb.WithWidth(120), mpb.WithAutoRefresh())
	bars := map[string]*mpb.Bar{}
	latest := map[string]Snapshot{}
	sync := func() {
		for _, s := range p.Stats() {
			latest[s.Scenario] = s
			b, ok := bars[s.Scenario]
			if !ok {
				name := s.Scenario
				b = pr.New(0, mpb.NopStyle(),
					mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
					mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return counters(latest[name]) })),
				)
				bars[s.Scenario] = b
			}
			b.SetCurrent(s.Requests)
		}
	}
	for {
		sync()
		if p.Clock.Sleep(ctx, 200*time.Millisecond) != nil {
			break
		}
	}
	sync()
	for _, b := range bars {
		b.SetTotal(-1, true)
	}
	pr.Wait()
}
