package guard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/abusegate/abusegate/scenarios"
)

// PassiveOptions configure a passive run.
type PassiveOptions struct {
	// Name names the log in line errors ("-" for stdin).
	Name string
	// OnDecision receives each decision in log order, as it is made; they
	// are also on the admin API. Nil ignores them.
	OnDecision func(scenarios.Decision)
	// OnSkip receives each malformed line, which is skipped; nil ignores
	// them (PassiveStats counts them).
	OnSkip func(*LineError)
}

// PassiveStats counts what a passive run read.
type PassiveStats struct {
	Lines, Events, Skipped, Decisions int
}

// Passive is the monitor for places where an inline hop costs too much: it
// reads JSON access log lines (NGINX or Envoy, see parseLogLine) from r
// until EOF or ctx ends, turns each into the event the proxy would have
// built for that request, and scores it with the same monitor, so it makes
// the same decisions, recorded, published and counted as in Observe mode.
// It is detect-only: the guard must be in Observe mode and nothing is
// enforced. Time comes from the log lines. Malformed lines are skipped,
// counted and reported to OnSkip; Passive returns an error only when
// reading fails or ctx ends. It must not run concurrently with itself.
func (g *Guard) Passive(ctx context.Context, r io.Reader, opts PassiveOptions) (PassiveStats, error) {
	var st PassiveStats
	if g.mode != Observe {
		return st, fmt.Errorf("guard: passive mode is detect-only: want mode observe, not %v", g.mode)
	}
	if opts.Name == "" {
		opts.Name = "-"
	}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		line, err := readLine(br)
		if len(line) > 0 || errors.Is(err, errLineTooLong) {
			st.Lines++
			ds, perr := g.passiveLine(ctx, line, err)
			if perr != nil {
				st.Skipped++
				g.metrics.logLines.WithLabelValues("skipped").Inc()
				if opts.OnSkip != nil {
					opts.OnSkip(&LineError{Name: opts.Name, Line: st.Lines, Err: perr})
				}
			} else {
				st.Events++
				g.metrics.logLines.WithLabelValues("observed").Inc()
				st.Decisions += len(ds)
				if opts.OnDecision != nil {
					for _, d := range ds {
						opts.OnDecision(d)
					}
				}
			}
		} else if err == nil {
			st.Lines++ // a blank line
		}
		switch {
		case errors.Is(err, io.EOF):
			return st, nil
		case err != nil && !errors.Is(err, errLineTooLong):
			return st, fmt.Errorf("guard: reading %s: %w", opts.Name, err)
		}
	}
}

// passiveLine scores one log line and returns the decisions it triggered.
func (g *Guard) passiveLine(ctx context.Context, line []byte, readErr error) ([]scenarios.Decision, error) {
	if errors.Is(readErr, errLineTooLong) {
		return nil, readErr
	}
	rec, err := parseLogLine(line)
	if err != nil {
		return nil, err
	}
	var ev scenarios.Event
	g.event(rec.req, rec.at, &ev)
	if ev.Identity == "" {
		ev.Identity = rec.user
	}
	ev.Status, ev.Bytes, ev.Latency = rec.status, rec.bytes, rec.latency
	// The inline guard scores the request's shape (an oversized page)
	// before serving it; read from a log, it was served already, but the
	// decision is the same.
	ds := append(g.mon.InspectRequest(ev), g.mon.Observe(ev)...)
	g.record(ctx, ds)
	return ds, nil
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLogLine)

// readLine returns the next line without its end, or errLineTooLong (the
// rest of the line consumed) past maxLogLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLogLine {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return trimEOL(line), err
		}
		return trimEOL(line), nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
