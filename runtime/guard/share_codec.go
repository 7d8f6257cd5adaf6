package guard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// A batch is what a replica publishes at once: a version byte, then
// records, each a kind byte and its fields, strings as a uvarint length
// and bytes, numbers as varints. An event is ~60-150 bytes; its time is
// not sent (the receiver counts it when it arrives, see Guard.Run), nor
// its Route (the receiver's router matches the path again).
const (
	batchVersion = 1
	recEvent     = 'e'
	recLearn     = 'l'
)

// shared is one queued record: an event, or a learnt token (TokenID and
// Identity of ev).
type shared struct {
	kind byte
	ev   scenarios.Event
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendRecord encodes r onto b.
func appendRecord(b []byte, r *shared) []byte {
	ev := &r.ev
	b = append(b, r.kind)
	if r.kind == recLearn {
		return appendString(appendString(b, ev.TokenID), ev.Identity)
	}
	for _, s := range [...]string{ev.Method, ev.Path, ev.ObjectID, ev.Identity, ev.TokenID, ev.Addr,
		ev.Fingerprint, ev.Geo, ev.Username, ev.Coupon, ev.Cart} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(ev.Status))
	b = binary.AppendVarint(b, ev.Bytes)
	b = binary.AppendVarint(b, int64(ev.Latency))
	return binary.AppendVarint(b, int64(ev.Units))
}

// errBatch reports a batch this version cannot read.
var errBatch = errors.New("malformed batch")

// batchReader decodes a batch; the first error sticks.
type batchReader struct {
	b   []byte
	err error
}

func (r *batchReader) str() string {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		r.fail()
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *batchReader) num() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *batchReader) fail() {
	if r.err == nil {
		r.err = errBatch
	}
	r.b = nil
}

// decodeBatch calls fn with each record of b in order. A malformed batch
// is reported after the records before the fault.
func decodeBatch(b []byte, fn func(shared)) error {
	if len(b) == 0 || b[0] != batchVersion {
		return fmt.Errorf("share: %w: version %v, want %d", errBatch, b[:min(len(b), 1)], batchVersion)
	}
	r := batchReader{b: b[1:]}
	for len(r.b) > 0 {
		var rec shared
		rec.kind, r.b = r.b[0], r.b[1:]
		ev := &rec.ev
		switch rec.kind {
		case recLearn:
			ev.TokenID, ev.Identity = r.str(), r.str()
		case recEvent:
			for _, p := range [...]*string{&ev.Method, &ev.Path, &ev.ObjectID, &ev.Identity, &ev.TokenID, &ev.Addr,
				&ev.Fingerprint, &ev.Geo, &ev.Username, &ev.Coupon, &ev.Cart} {
				*p = r.str()
			}
			ev.Status, ev.Bytes = int(r.num()), r.num()
			ev.Latency, ev.Units = time.Duration(r.num()), int(r.num())
		default:
			r.fail()
		}
		if r.err != nil {
			return fmt.Errorf("share: %w: record kind %q", r.err, rec.kind)
		}
		fn(rec)
	}
	return nil
}
