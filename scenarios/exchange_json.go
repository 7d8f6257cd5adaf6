package scenarios

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as encoding/json encodes it (the same bytes), without
// reflection: a day of simulated traffic is hundreds of thousands of
// exchanges, spilled by the recorder and written to the compact timeline.
// runtime/vu's TestAppendExchangeIsJSON keeps it in step with the struct.
func (e *Exchange) AppendJSON(b []byte) []byte { return e.appendJSON(b, false) }

// AppendCompactJSON appends e as AppendJSON does, less what a reader
// knows without it: zero numbers, false and empty strings are left out
// (they decode to the zero value), and so are FirstByte and Done when
// they equal Sent (a simulated answer takes no time; a reader takes Sent
// for a missing one, and an exchange that got no answer writes its zero
// FirstByte). A simulated day's timeline is a quarter smaller for it.
func (e *Exchange) AppendCompactJSON(b []byte) []byte { return e.appendJSON(b, true) }

func (e *Exchange) appendJSON(b []byte, compact bool) []byte {
	b = append(b, `{"Scenario":`...)
	b = appendJSONString(b, e.Scenario)
	b = append(b, `,"VU":`...)
	b = strconv.AppendInt(b, int64(e.VU), 10)
	if !compact || e.Iteration != 0 {
		b = append(b, `,"Iteration":`...)
		b = strconv.AppendInt(b, int64(e.Iteration), 10)
	}
	b = append(b, `,"Actor":`...)
	b = appendJSONString(b, e.Actor.String())
	for _, f := range [...]struct {
		k, v string
		omit bool // omitempty in the struct
	}{{`,"Session":`, e.Session, false}, {`,"Identity":`, e.Identity, false},
		{`,"TokenID":`, e.TokenID, false}, {`,"Addr":`, e.Addr, false}, {`,"CorrelationID":`, e.CorrelationID, false},
		{`,"Fingerprint":`, e.Fingerprint, true},
		{`,"Method":`, e.Method, false}, {`,"Route":`, e.Route, false}, {`,"Path":`, e.Path, false}} {
		if f.v == "" && (f.omit || compact) {
			continue
		}
		b = append(b, f.k...)
		b = appendJSONString(b, f.v)
	}
	if !compact || e.Abusive {
		b = append(b, `,"Abusive":`...)
		b = strconv.AppendBool(b, e.Abusive)
	}
	for _, f := range [...]struct {
		k string
		t time.Time
	}{{`,"Sent":`, e.Sent}, {`,"FirstByte":`, e.FirstByte}, {`,"Done":`, e.Done}} {
		if compact && f.k != `,"Sent":` && f.t.Equal(e.Sent) && f.t.Location() == e.Sent.Location() {
			continue
		}
		b = append(b, f.k...)
		b = append(b, '"')
		b = f.t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"Status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	if !compact || e.Bytes != 0 {
		b = append(b, `,"Bytes":`...)
		b = strconv.AppendInt(b, e.Bytes, 10)
	}
	b = append(b, `,"Outcome":`...)
	b = appendJSONString(b, e.Outcome.String())
	if !compact || e.Leak != 0 {
		b = append(b, `,"Leak":`...)
		b = strconv.AppendInt(b, int64(e.Leak), 10)
	}
	if e.Err != "" {
		b = append(b, `,"Err":`...)
		b = appendJSONString(b, e.Err)
	}
	if e.Refused != "" {
		b = append(b, `,"Refused":`...)
		b = appendJSONString(b, e.Refused)
	}
	return append(b, '}')
}

// appendJSONString quotes s as encoding/json does, HTML characters,
// U+2028/U+2029 and invalid UTF-8 included.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
