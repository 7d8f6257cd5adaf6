package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/abusegate/abusegate/scenarios"
	"github.com/klauspost/compress/gzip"
)

// TimelineWriter writes the compact timeline file (TimelineFileName) of a
// run whose exchanges are never all held: each exchange is encoded and
// compressed when it is added, into a spill file, and WriteFile puts the
// header and the decisions, known only at the end, in front. The file is
// two gzip members — header and decisions, then exchanges, each after the
// session and operation lines it is the first to name (lineEncoder) —
// which gzip readers (ReadTimelineFile, zcat) read as one stream.
// Exchanges are written in the order added (a simulated run adds them in send order;
// merge sorts them by send time).
//
// The zero TimelineWriter is ready; Close removes the spill file, after
// which WriteFile fails. It is not safe for concurrent use.
type TimelineWriter struct {
	// Redact, when set, passes every line through it.
	Redact func([]byte) []byte
	// Dir holds the spill file; empty means os.TempDir().
	Dir string

	f   *os.File
	zw  *gzip.Writer
	enc lineEncoder
	// buf holds the lines not yet compressed, appended to it where they
	// are encoded (no copy from a line buffer to a bufio.Writer's) and
	// handed to zw a block at a time (timelineBlock).
	buf []byte
	err error
	// sealed: the exchanges' member is complete (WriteFile ran).
	sealed bool
}

// Add writes one exchange.
func (w *TimelineWriter) Add(x *scenarios.Exchange) {
	if w.err != nil {
		return
	}
	if w.sealed {
		w.err = errors.New("an exchange was added after the timeline file was written")
		return
	}
	if w.f == nil {
		if w.err = w.open(); w.err != nil {
			return
		}
	}
	// Exchanges are most of a long run's lines: encoded without
	// reflection, and without what a reader knows anyway (lineEncoder).
	s, fresh := w.enc.session(x)
	if fresh {
		start := len(w.buf)
		w.buf = appendSession(w.buf, s, x)
		w.endLine(start)
	}
	o, fresh := w.enc.operation(x)
	if fresh {
		start := len(w.buf)
		w.buf = appendOperation(w.buf, o, x)
		w.endLine(start)
	}
	start := len(w.buf)
	w.buf = appendExchange(w.buf, s, o, x)
	w.endLine(start)
	if len(w.buf) >= timelineBlock {
		w.flush()
	}
}

// timelineBlock is how many bytes of lines the writer gathers before it
// compresses them: the compressor's own block (65,535 bytes at
// BestSpeed), so that each Write call fills about one.
const timelineBlock = 64 << 10

// endLine redacts the line appended at w.buf[start:] and ends it.
func (w *TimelineWriter) endLine(start int) {
	if w.Redact != nil {
		line := w.buf[start:len(w.buf):len(w.buf)]
		if r := w.Redact(line); len(r) != len(line) || &r[0] != &line[0] {
			w.buf = append(w.buf[:start], r...)
		}
	}
	w.buf = append(w.buf, '\n')
}

// flush compresses the lines gathered.
func (w *TimelineWriter) flush() {
	if _, err := w.zw.Write(w.buf); err != nil {
		w.err = err
	}
	w.buf = w.buf[:0]
}

func (w *TimelineWriter) open() error {
	f, err := os.CreateTemp(w.Dir, "abusegate-timeline-*.gz")
	if err != nil {
		return err
	}
	w.f = f
	// BestSpeed: a day of exchanges compresses 4x faster, ~25% larger.
	// klauspost/compress's gzip (standard gzip members, read by
	// compress/gzip) encodes it in less than half the CPU of the
	// standard library's at that level: the timeline file was a quarter
	// of a simulated request's cost.
	w.zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed) // a valid level never fails
	w.buf = make([]byte, 0, timelineBlock+4<<10)
	return nil
}

// WriteFile writes the timeline file to path (atomically): a header with
// tl's bounds, segment and dropped iterations and the judged scenarios,
// tl's decisions, then every exchange added (tl.Exchanges is not read).
// The writer can write the file again, to another path, until Close.
func (w *TimelineWriter) WriteFile(path string, tl scenarios.Timeline, scs []scenarios.Scenario, segment string) error {
	head, err := w.head(tl, scs, segment)
	if w.f != nil && !w.sealed {
		w.sealed = true
		if w.err == nil {
			w.flush()
		}
		w.err = errors.Join(w.err, w.zw.Close())
	}
	err = errors.Join(err, w.err)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = writeAtomicFunc(path, func(out io.Writer) error {
			if _, err := out.Write(head); err != nil || w.f == nil {
				return err
			}
			_, err := io.Copy(out, io.NewSectionReader(w.f, 0, 1<<62))
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("reports: timeline %s: %w", path, err)
	}
	return nil
}

// head is the first gzip member: the header and the decisions.
func (w *TimelineWriter) head(tl scenarios.Timeline, scs []scenarios.Scenario, segment string) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level never fails
	bw := bufio.NewWriter(zw)
	h := timelineHeader{Version: timelineVersion, Start: tl.Start, End: tl.End, Segment: segment, Dropped: tl.Dropped, Scenarios: []JudgedScenario{}}
	for _, sc := range scs {
		h.Scenarios = append(h.Scenarios, JudgedScenario{ID: sc.ID, Kind: sc.Kind, Title: sc.Title, LeakUnit: sc.LeakUnit, SLA: sc.SLA})
	}
	put := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if w.Redact != nil {
			b = w.Redact(b)
		}
		_, err = bw.Write(append(b, '\n'))
		return err
	}
	err := put(h)
	for i := range tl.Decisions {
		err = errors.Join(err, put(timelineLine{D: &tl.Decisions[i]}))
	}
	err = errors.Join(err, bw.Flush(), zw.Close())
	return buf.Bytes(), err
}

// Close removes the spill file.
func (w *TimelineWriter) Close() error {
	if w.f == nil {
		return nil
	}
	name := w.f.Name()
	err := errors.Join(w.f.Close(), os.Remove(name))
	w.f, w.zw, w.buf, w.sealed = nil, nil, nil, true
	w.err = errors.New("the timeline writer was closed")
	return err
}
