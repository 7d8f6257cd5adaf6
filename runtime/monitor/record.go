package monitor

import "time"

// record is one subject's state across every detector, so an observation
// finds all of it with a single table lookup: each detector keeps its
// per-subject fields here instead of in a table of its own, and reaches
// them through Observation.rec. Tables keyed by something other than the
// scored subject (a device, a source address of logins, a cart, a
// cluster) stay with their detector.
type record struct {
	key  uint64
	last int64 // last observation, for idle eviction
	// identity is set for identity subjects, whose profile outlives the
	// detectors' windows.
	identity   bool
	hasCreated bool
	created    int64 // account creation (identity subjects), when hasCreated

	rate    counter     // rate: requests in the sliding window
	flow    session     // flow: operations called in the session
	profile profile     // risk: the identity's usual devices and place
	cover   coverage    // scraping: long-window catalog coverage
	walk    walk        // enumeration: objects read recently, across routes
	cred    credUse     // reuse: devices and networks per credential
	held    held        // hoarding: units in carts since the last checkout
	reader  sweepReader // sweep: page reads in the window
}

// recordChunk is how many records one slab holds: slabs never move, so a
// *record stays valid while its subject is in the table, and the table
// grows without copying or doubling.
const recordChunk = 1024

// records is the monitor's per-subject table, bounded like the detector
// tables: idle subjects are swept once per sweep period, and when full an
// arbitrary subject makes room. Not safe for concurrent use; the Monitor
// holds its lock.
type records struct {
	idx    map[uint64]int32
	chunks [][]record
	free   []int32
	used   int32 // slots handed out from chunks so far
	max    int
	// idle is how long a subject's detector state lasts without
	// observations; profileIdle how long an identity's profile does.
	idle, profileIdle int64
	swept             int64
}

func newRecords(limit int, idle, profileIdle time.Duration) *records {
	return &records{idx: make(map[uint64]int32), max: limit, idle: int64(idle), profileIdle: int64(max(idle, profileIdle))}
}

// get returns k's record, creating a zero one when absent, and whether it
// was created.
func (t *records) get(k uint64, now int64) (*record, bool) {
	t.sweep(now)
	if i, ok := t.idx[k]; ok {
		return t.at(i), false
	}
	if len(t.idx) >= t.max {
		for old, i := range t.idx {
			t.release(old, i)
			break
		}
	}
	i := t.alloc()
	t.idx[k] = i
	r := t.at(i)
	r.key = k
	return r, true
}

func (t *records) at(i int32) *record { return &t.chunks[i/recordChunk][i%recordChunk] }

func (t *records) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	if int(t.used) == len(t.chunks)*recordChunk {
		t.chunks = append(t.chunks, make([]record, recordChunk))
	}
	t.used++
	return t.used - 1
}

// release forgets k, keeping nothing its record pointed to.
func (t *records) release(k uint64, i int32) {
	delete(t.idx, k)
	*t.at(i) = record{}
	t.free = append(t.free, i)
}

func (t *records) sweep(now int64) {
	if now-t.swept < t.idle {
		return
	}
	t.swept = now
	for k, i := range t.idx {
		r := t.at(i)
		idle := t.idle
		if r.identity {
			idle = t.profileIdle
		}
		if now-r.last > idle {
			t.release(k, i)
		}
	}
}

func (t *records) len() int { return len(t.idx) }

// lookup returns k's record without creating it, nil when absent.
func (t *records) lookup(k uint64) *record {
	if i, ok := t.idx[k]; ok {
		return t.at(i)
	}
	return nil
}
