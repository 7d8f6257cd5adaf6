package vu

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/abusegate/abusegate/scenarios"
)

// DefaultMaxInMemory is how many exchanges a Recorder keeps in memory
// before it spills them to disk (about 30 MB).
const DefaultMaxInMemory = 100_000

// Recorder collects the exchanges of a run with bounded memory: past
// MaxInMemory exchanges it spills them, as JSON lines, to a temporary file
// in Dir, and reads them back when asked. It is safe for concurrent use;
// Close removes the file.
type Recorder struct {
	// MaxInMemory bounds the exchanges held in memory; zero means
	// DefaultMaxInMemory.
	MaxInMemory int
	// Dir holds the spill file; empty means os.TempDir().
	Dir string
	// Sink, when set, is handed every exchange as it is recorded, in
	// record order, and the Recorder keeps none: a run that folds its
	// timeline as it goes (simulate) holds none of it, and Each and
	// Exchanges see nothing (Len still counts). It is called under the
	// Recorder's lock, one exchange at a time; the pointer is valid
	// during the call only.
	Sink func(*scenarios.Exchange)

	mu sync.Mutex
	// mem holds the exchanges not spilled, in chunks of chunkSize, so
	// recording never copies what it already holds.
	mem [][]scenarios.Exchange
	n   int
	// spill guards the file; taken after mu, so a batch is written in
	// record order while new exchanges go on being recorded.
	spill   sync.Mutex
	file    *os.File
	buf     *bufio.Writer
	spilled int
	sunk    int // handed to Sink
	scratch scenarios.Exchange
	err     error
}

// Record appends one exchange.
func (r *Recorder) Record(e scenarios.Exchange) {
	r.mu.Lock()
	if r.Sink != nil {
		// Handing &e on would move every exchange to the heap.
		r.scratch = e
		r.sink(&r.scratch)
		return
	}
	r.keep(&e)
}

// record is Record for an exchange the caller holds on to only until it
// returns (the engine's, in the VU's state): a Sink is handed e itself,
// and e is copied only when kept.
func (r *Recorder) record(e *scenarios.Exchange) {
	r.mu.Lock()
	if r.Sink != nil {
		r.sink(e)
		return
	}
	r.keep(e)
}

// sink hands e to the Sink; the caller holds mu, which sink releases.
func (r *Recorder) sink(e *scenarios.Exchange) {
	r.Sink(e)
	r.sunk++
	r.mu.Unlock()
}

// keep appends a copy of e to memory, spilling past MaxInMemory; the
// caller holds mu, which keep releases.
func (r *Recorder) keep(e *scenarios.Exchange) {
	max := r.MaxInMemory
	if max <= 0 {
		max = DefaultMaxInMemory
	}
	if k := len(r.mem); k == 0 || len(r.mem[k-1]) == cap(r.mem[k-1]) {
		r.mem = append(r.mem, make([]scenarios.Exchange, 0, min(chunkSize, max)))
	}
	last := &r.mem[len(r.mem)-1]
	*last = append(*last, *e)
	r.n++
	if r.n < max {
		r.mu.Unlock()
		return
	}
	batch := r.mem
	r.mem, r.n = nil, 0
	for _, c := range batch {
		r.spilled += len(c)
	}
	r.spill.Lock()
	r.mu.Unlock()
	defer r.spill.Unlock()
	r.write(batch)
}

// chunkSize is how many exchanges a chunk of a Recorder's memory holds.
const chunkSize = 4096

// write appends batch to the spill file; the caller holds spill.
func (r *Recorder) write(batch [][]scenarios.Exchange) {
	if r.err != nil {
		return
	}
	if r.file == nil {
		f, err := os.CreateTemp(r.Dir, "abusegate-timeline-*.jsonl")
		if err != nil {
			r.err = fmt.Errorf("vu: timeline spill: %w", err)
			return
		}
		r.file, r.buf = f, bufio.NewWriterSize(f, 1<<16)
	}
	var line []byte
	for _, c := range batch {
		for i := range c {
			line = appendExchange(line[:0], &c[i])
			if _, err := r.buf.Write(line); err != nil {
				r.err = fmt.Errorf("vu: timeline spill: %w", err)
				return
			}
		}
	}
}

// Each calls fn with every exchange in record order, those on disk first,
// and stops at fn's first error. Recording waits while it runs.
func (r *Recorder) Each(fn func(scenarios.Exchange) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spill.Lock()
	defer r.spill.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.file != nil {
		if err := r.buf.Flush(); err != nil {
			return fmt.Errorf("vu: timeline spill: %w", err)
		}
		dec := json.NewDecoder(io.NewSectionReader(r.file, 0, 1<<62))
		for {
			var e scenarios.Exchange
			err := dec.Decode(&e)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("vu: timeline spill %s: %w", r.file.Name(), err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	for _, c := range r.mem {
		for _, e := range c {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Exchanges returns every recorded exchange sorted by send time: the whole
// timeline in memory, for the oracle. Large runs should use Each. With a
// Sink it is nil.
func (r *Recorder) Exchanges() []scenarios.Exchange {
	if r.Sink != nil {
		return nil
	}
	out := make([]scenarios.Exchange, 0, r.Len())
	_ = r.Each(func(e scenarios.Exchange) error { // a spill error leaves the timeline partial; Err reports it
		out = append(out, e)
		return nil
	})
	slices.SortStableFunc(out, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	return out
}

// Len is the number of recorded exchanges.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spilled + r.sunk + r.n
}

// Err is the first error spilling to disk hit, if any.
func (r *Recorder) Err() error {
	r.spill.Lock()
	defer r.spill.Unlock()
	return r.err
}

// Close removes the spill file.
func (r *Recorder) Close() error {
	r.spill.Lock()
	defer r.spill.Unlock()
	if r.file == nil {
		return nil
	}
	name := r.file.Name()
	err := errors.Join(r.file.Close(), os.Remove(name))
	r.file, r.buf = nil, nil
	return err
}
