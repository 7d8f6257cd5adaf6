package reports

import (
	"strconv"
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
// by pointer. Steady state, an exchange costs a map look-up per
// dictionary (by VU, by method and route) and allocates nothing.
type lineEncoder struct {
	sessions map[sessionKey]*sessionEntry
	ops      map[operation]int
	nSession int
}

// sessionKey is a VU of a scenario: VU numbers may repeat across scenarios.
type sessionKey struct {
	scenario string
	vu       int
}

// sessionEntry is the session line last written for a VU.
type sessionEntry struct {
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
	k := sessionKey{x.Scenario, x.VU}
	s := e.sessions[k]
	if s != nil && s.matches(x) {
		return s.n, false
	}
	if s == nil {
		if e.sessions == nil {
			e.sessions = map[sessionKey]*sessionEntry{}
		}
		s = &sessionEntry{}
		e.sessions[k] = s
	}
	e.nSession++
	*s = sessionEntry{n: e.nSession, actor: x.Actor, session: x.Session, identity: x.Identity,
		tokenID: x.TokenID, addr: x.Addr, fingerprint: x.Fingerprint}
	return s.n, true
}

// operation returns the number of x's operation line, and whether that
// line is new and must be written first (appendOperation).
func (e *lineEncoder) operation(x *scenarios.Exchange) (int, bool) {
	k := operation{x.Method, x.Route}
	if n, ok := e.ops[k]; ok {
		return n, false
	}
	if e.ops == nil {
		e.ops = map[operation]int{}
	}
	n := len(e.ops) + 1
	e.ops[k] = n
	return n, true
}

// appendSession appends session line n: x's values that stay with its VU.
func appendSession(b []byte, n int, x *scenarios.Exchange) []byte {
	b = append(b, `{"s":{"n":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = appendStringField(b, `,"Scenario":`, x.Scenario)
	if x.VU != 0 {
		b = append(b, `,"VU":`...)
		b = strconv.AppendInt(b, int64(x.VU), 10)
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
	b = strconv.AppendInt(b, int64(n), 10)
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
	b = strconv.AppendInt(b, int64(s), 10)
	b = append(b, `,"o":`...)
	b = strconv.AppendInt(b, int64(o), 10)
	if x.Iteration != 0 {
		b = append(b, `,"i":`...)
		b = strconv.AppendInt(b, int64(x.Iteration), 10)
	}
	if seq, ok := correlationSeq(x); ok {
		b = append(b, `,"c":`...)
		b = strconv.AppendInt(b, seq, 10)
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
		b = strconv.AppendInt(b, sent, 10)
	} else {
		b = appendTime(b, x.Sent)
	}
	for _, f := range [...]struct {
		key string
		t   time.Time
	}{{`,"fb":`, x.FirstByte}, {`,"done":`, x.Done}} {
		if f.t.Equal(x.Sent) && f.t.Location() == x.Sent.Location() {
			continue
		}
		b = append(b, f.key...)
		if ns, ok := unixNanos(f.t); ok && sentNanos && (ns > sent) == (ns-sent > 0) {
			b = strconv.AppendInt(b, ns-sent, 10)
		} else {
			b = appendTime(b, f.t)
		}
	}
	if x.Status != 0 {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(x.Status), 10)
	}
	if x.Bytes != 0 {
		b = append(b, `,"b":`...)
		b = strconv.AppendInt(b, x.Bytes, 10)
	}
	if x.Outcome != scenarios.Classify(x.Status) {
		b = append(b, `,"out":`...)
		b = appendEnum(b, int(x.Outcome), x.Outcome.String(), x.Outcome >= 0 && x.Outcome <= scenarios.OutcomeError)
	}
	if x.Leak != 0 {
		b = append(b, `,"leak":`...)
		b = strconv.AppendInt(b, int64(x.Leak), 10)
	}
	b = appendStringField(b, `,"err":`, x.Err)
	b = appendStringField(b, `,"refused":`, x.Refused)
	return append(b, "}}"...)
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
	return strconv.AppendInt(b, int64(v), 10)
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
	if _, off := t.Zone(); off != 0 {
		return 0, false
	}
	ns := t.UnixNano()
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
	var buf [24]byte
	vu := strconv.AppendInt(buf[:0], int64(x.VU), 10)
	if len(rest) <= len(vu) || rest[:len(vu)] != string(vu) || rest[len(vu)] != '-' {
		return 0, false
	}
	digits := rest[len(vu)+1:]
	// At most 18 digits (no overflow), none leading but a lone 0.
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for i := range len(digits) {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
