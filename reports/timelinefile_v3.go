package reports

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// lineEncoder writes the exchange lines of a version-3 timeline file.
// Most of an exchange's bytes repeat: a VU keeps its scenario, actor,
// session, identity, token, address and device from one request to the
// next, and a plan has few operations. Each such run of values goes to
// the file once, as a session line ("s") or an operation line ("o")
// numbered from 1, and the exchange lines ("x") name them by number; an
// exchange line carries only what changes per request. A VU whose values
// change (a new session, a rotated token) gets a new session line.
//
// A VU's values are compared with its last session line's rather than
// hashed: its exchanges mostly hold the very same strings, which compare
// by pointer. The dictionaries' maps, which would hash the scenario, the
// method and the route of every exchange, are reached through small
// tables indexed by what costs nothing to read (the VU's number, the
// strings' lengths) and checked by comparison, which finds the very same
// strings of the exchange before. Steady state, an exchange allocates
// nothing.
type lineEncoder struct {
	sessions map[sessionKey]*sessionEntry
	ops      map[operation]int
	nSession int

	recentSessions [1024]*sessionEntry
	recentOps      [64]recentOp
}

// recentOp is an operation line's number, as found last in lineEncoder.ops.
type recentOp struct {
	operation
	n int
}

// sessionKey is a VU of a scenario: VU numbers may repeat across scenarios.
type sessionKey struct {
	scenario string
	vu       int
}

// sessionEntry is the session line last written for a VU.
type sessionEntry struct {
	key                                           sessionKey
	n                                             int
	actor                                         scenarios.Actor
	session, identity, tokenID, addr, fingerprint string
}

func (s *sessionEntry) matches(x *scenarios.Exchange) bool {
	return s.actor == x.Actor && s.session == x.Session && s.identity == x.Identity &&
		s.tokenID == x.TokenID && s.addr == x.Addr && s.fingerprint == x.Fingerprint
}

type operation struct{ method, route string }

// session returns the number of x's session line, and whether that line
// is new and must be written first (appendSession).
func (e *lineEncoder) session(x *scenarios.Exchange) (int, bool) {
	slot := &e.recentSessions[uint(x.VU+37*len(x.Scenario))%uint(len(e.recentSessions))]
	s := *slot
	if s == nil || s.key.vu != x.VU || s.key.scenario != x.Scenario {
		k := sessionKey{x.Scenario, x.VU}
		s = e.sessions[k]
		if s == nil {
			if e.sessions == nil {
				e.sessions = map[sessionKey]*sessionEntry{}
			}
			s = &sessionEntry{key: k}
			e.sessions[k] = s
		}
		*slot = s
	}
	if s.n != 0 && s.matches(x) {
		return s.n, false
	}
	e.nSession++
	*s = sessionEntry{key: s.key, n: e.nSession, actor: x.Actor, session: x.Session, identity: x.Identity,
		tokenID: x.TokenID, addr: x.Addr, fingerprint: x.Fingerprint}
	return s.n, true
}

// operation returns the number of x's operation line, and whether that
// line is new and must be written first (appendOperation).
func (e *lineEncoder) operation(x *scenarios.Exchange) (int, bool) {
	k := operation{x.Method, x.Route}
	slot := &e.recentOps[uint(8*len(k.route)+len(k.method))%uint(len(e.recentOps))]
	if slot.n != 0 && slot.operation == k {
		return slot.n, false
	}
	n, ok := e.ops[k]
	if !ok {
		if e.ops == nil {
			e.ops = map[operation]int{}
		}
		n = len(e.ops) + 1
		e.ops[k] = n
	}
	*slot = recentOp{k, n}
	return n, !ok
}

// appendSession appends session line n: x's values that stay with its VU.
func appendSession(b []byte, n int, x *scenarios.Exchange) []byte {
	b = append(b, `{"s":{"n":`...)
	b = appendInt(b, int64(n))
	b = appendStringField(b, `,"Scenario":`, x.Scenario)
	if x.VU != 0 {
		b = append(b, `,"VU":`...)
		b = appendInt(b, int64(x.VU))
	}
	if x.Actor != 0 {
		b = append(b, `,"Actor":`...)
		b = appendEnum(b, int(x.Actor), x.Actor.String(), x.Actor > 0 && x.Actor <= scenarios.Attacker)
	}
	b = appendStringField(b, `,"Session":`, x.Session)
	b = appendStringField(b, `,"Identity":`, x.Identity)
	b = appendStringField(b, `,"TokenID":`, x.TokenID)
	b = appendStringField(b, `,"Addr":`, x.Addr)
	b = appendStringField(b, `,"Fingerprint":`, x.Fingerprint)
	return append(b, "}}"...)
}

// appendOperation appends operation line n: x's method and route.
func appendOperation(b []byte, n int, x *scenarios.Exchange) []byte {
	b = append(b, `{"o":{"n":`...)
	b = appendInt(b, int64(n))
	b = appendStringField(b, `,"Method":`, x.Method)
	b = appendStringField(b, `,"Route":`, x.Route)
	return append(b, "}}"...)
}

// appendExchange appends x's exchange line, of session line s and
// operation line o. Left out, and known to the reader without them: zero
// numbers, false and empty strings; FirstByte and Done equal to Sent (a
// simulated answer takes no time); an Outcome that scenarios.Classify
// gives for the status. Sent is nanoseconds since the Unix epoch, and
// FirstByte and Done nanoseconds after Sent, where the number reads back
// as the same time (UTC, years 1678 to 2262); other times (a zero
// FirstByte: no answer) are RFC 3339 strings. A correlation id made as
// the VUs make it, Scenario-VU-n, is n alone.
func appendExchange(b []byte, s, o int, x *scenarios.Exchange) []byte {
	b = append(b, `{"x":{"s":`...)
	b = appendInt(b, int64(s))
	b = append(b, `,"o":`...)
	b = appendInt(b, int64(o))
	if x.Iteration != 0 {
		b = append(b, `,"i":`...)
		b = appendInt(b, int64(x.Iteration))
	}
	if seq, ok := correlationSeq(x); ok {
		b = append(b, `,"c":`...)
		b = appendInt(b, seq)
	} else {
		b = appendStringField(b, `,"c":`, x.CorrelationID)
	}
	b = appendStringField(b, `,"p":`, x.Path)
	if x.Abusive {
		b = append(b, `,"a":true`...)
	}
	b = append(b, `,"t":`...)
	sent, sentNanos := unixNanos(x.Sent)
	if sentNanos {
		b = appendInt(b, sent)
	} else {
		b = appendTime(b, x.Sent)
	}
	// A simulated exchange's three times are the very same Time: ==
	// tells it before the field by field test.
	if x.FirstByte != x.Sent || x.Done != x.Sent {
		b = appendLaterTime(b, `,"fb":`, x.FirstByte, x.Sent, sent, sentNanos)
		b = appendLaterTime(b, `,"done":`, x.Done, x.Sent, sent, sentNanos)
	}
	if x.Status != 0 {
		b = append(b, `,"code":`...)
		b = appendInt(b, int64(x.Status))
	}
	if x.Bytes != 0 {
		b = append(b, `,"b":`...)
		b = appendInt(b, x.Bytes)
	}
	if x.Outcome != scenarios.Classify(x.Status) {
		b = append(b, `,"out":`...)
		b = appendEnum(b, int(x.Outcome), x.Outcome.String(), x.Outcome >= 0 && x.Outcome <= scenarios.OutcomeError)
	}
	if x.Leak != 0 {
		b = append(b, `,"leak":`...)
		b = appendInt(b, int64(x.Leak))
	}
	b = appendStringField(b, `,"err":`, x.Err)
	b = appendStringField(b, `,"refused":`, x.Refused)
	return append(b, "}}"...)
}

// appendLaterTime appends key and t, a time of the exchange sent at
// sent (in Unix nanoseconds when sentNanos), unless t is sent's
// instant at sent's location.
func appendLaterTime(b []byte, key string, t, sent time.Time, sentNs int64, sentNanos bool) []byte {
	if t.Equal(sent) && t.Location() == sent.Location() {
		return b
	}
	b = append(b, key...)
	if ns, ok := unixNanos(t); ok && sentNanos && (ns > sentNs) == (ns-sentNs > 0) {
		return appendInt(b, ns-sentNs)
	}
	return appendTime(b, t)
}

// appendStringField appends key and v unless v is empty.
func appendStringField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return scenarios.AppendJSONString(append(b, key...), v)
}

// appendEnum appends an actor or outcome by name, or by number when it
// has none (a value no run makes, kept rather than lost).
func appendEnum(b []byte, v int, name string, named bool) []byte {
	if named {
		return scenarios.AppendJSONString(b, name)
	}
	return appendInt(b, int64(v))
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// unixNanos is t in nanoseconds since the Unix epoch, and whether that
// number reads back (time.Unix(0, ns).UTC()) as what an RFC 3339 string
// of t would: a time at UTC's offset (RFC 3339's "Z", read as UTC) within
// the years an int64 of nanoseconds spans.
func unixNanos(t time.Time) (int64, bool) {
	if t.Location() != time.UTC {
		if _, off := t.Zone(); off != 0 {
			return 0, false
		}
	}
	ns := t.UnixNano()
	if s := t.Unix(); s > -9e9 && s < 9e9 {
		return ns, true // 1685 to 2255: well inside what an int64 spans
	}
	return ns, time.Unix(0, ns).Equal(t)
}

// correlationSeq is n of x's correlation id when the id is
// Scenario-VU-n, n in decimal as strconv writes it (so that the reader
// makes the same id again).
func correlationSeq(x *scenarios.Exchange) (int64, bool) {
	id := x.CorrelationID
	if len(id) <= len(x.Scenario) || id[:len(x.Scenario)] != x.Scenario || id[len(x.Scenario)] != '-' {
		return 0, false
	}
	rest := id[len(x.Scenario)+1:]
	if x.VU < 0 {
		if rest == "" || rest[0] != '-' {
			return 0, false
		}
		rest = rest[1:]
	}
	vu, rest, ok := cutDecimal(rest)
	if !ok || vu != absInt(int64(x.VU)) || rest == "" || rest[0] != '-' {
		return 0, false
	}
	n, rest, ok := cutDecimal(rest[1:])
	if !ok || rest != "" {
		return 0, false
	}
	return n, true
}

// cutDecimal reads the number that s begins with, written as strconv
// writes it (no leading zeros but a lone 0) in at most 18 digits (no
// overflow), and returns what follows it.
func cutDecimal(s string) (n int64, rest string, ok bool) {
	i := 0
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d) // wraps past 18 digits, refused below
	}
	if i == 0 || i > 18 || s[0] == '0' && i > 1 {
		return 0, s, false
	}
	return n, s[i:], true
}

// absInt is |v| (math.MinInt64 stays negative: no VU is that).
func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// appendInt appends v in decimal: the bytes strconv.AppendInt(b, v, 10)
// appends. An exchange line is mostly integers, Sent's 19 digits among
// them, and strconv (digits into a scratch array, then copied, a loop
// two digits a step) was a fifth of the line's cost. Up to four digits
// are appended two at a time from a table; more are written eight at a
// time (eightDigits) straight into b's spare capacity.
func appendInt(b []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	switch {
	case u < 10:
		return append(b, byte('0'+u))
	case u < 100:
		return append(b, digitPairs[2*u], digitPairs[2*u+1])
	case u < 1e3:
		hi, lo := u/100, u%100
		return append(b, byte('0'+hi), digitPairs[2*lo], digitPairs[2*lo+1])
	case u < 1e4:
		hi, lo := u/100, u%100
		return append(b, digitPairs[2*hi], digitPairs[2*hi+1], digitPairs[2*lo], digitPairs[2*lo+1])
	}
	b = slices.Grow(b, 24) // three 8-byte stores
	switch {
	case u < 1e8:
		return appendLeadingDigits(b, uint32(u))
	case u < 1e16:
		b = appendLeadingDigits(b, uint32(u/1e8))
	default:
		hi := u / 1e8
		b = appendInt(b, int64(hi/1e8)) // below 1845: the table's
		b = appendEightDigits(b, uint32(hi%1e8))
	}
	return appendEightDigits(b, uint32(u%1e8))
}

// digitPairs is 00 to 99.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// appendLeadingDigits appends x < 1e8 without leading zeros ("0" for 0)
// into b's capacity, which must hold 8 more bytes.
func appendLeadingDigits(b []byte, x uint32) []byte {
	d := eightDigits(x)
	// The leading zeros are d's low zero bytes; the last digit stays.
	zeros := bits.TrailingZeros64(d|1<<56) / 8
	n := len(b)
	binary.LittleEndian.PutUint64(b[n:n+8], (d+asciiZeros)>>(8*zeros))
	return b[:n+8-zeros]
}

// appendEightDigits appends x < 1e8 as eight digits, leading zeros kept,
// into b's capacity, which must hold 8 more bytes.
func appendEightDigits(b []byte, x uint32) []byte {
	n := len(b)
	binary.LittleEndian.PutUint64(b[n:n+8], eightDigits(x)+asciiZeros)
	return b[:n+8]
}

// asciiZeros is '0' in each byte.
const asciiZeros = 0x3030_3030_3030_3030

// eightDigits is x < 1e8's eight decimal digits, one a byte, the first
// in the lowest byte (little-endian memory order): x is split into
// halves of four digits (in 32-bit lanes), each into two of two (16-bit
// lanes), each into two digits (bytes), the lanes divided by 100 and 10
// together through multiplications by a reciprocal that no lane
// overflows (v*10486>>20 is v/100 for v < 10,000, v*103>>10 is v/10 for
// v < 100).
func eightDigits(x uint32) uint64 {
	v := uint64(x/10000) | uint64(x%10000)<<32
	hundreds := v * 10486 >> 20 & 0x7f_0000_007f
	v = hundreds | (v-hundreds*100)<<16
	tens := v * 103 >> 10 & 0x000f_000f_000f_000f
	return tens | (v-tens*10)<<8
}
