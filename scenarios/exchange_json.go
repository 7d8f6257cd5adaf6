package scenarios

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as encoding/json encodes it (the same bytes), without
// reflection: a day of simulated traffic is hundreds of thousands of
// exchanges, spilled by the recorder.
// runtime/vu's TestAppendExchangeIsJSON keeps it in step with the struct.
func (e *Exchange) AppendJSON(b []byte) []byte {
	b = append(b, `{"Scenario":`...)
	b = AppendJSONString(b, e.Scenario)
	b = append(b, `,"VU":`...)
	b = strconv.AppendInt(b, int64(e.VU), 10)
	b = append(b, `,"Iteration":`...)
	b = strconv.AppendInt(b, int64(e.Iteration), 10)
	b = append(b, `,"Actor":`...)
	b = AppendJSONString(b, e.Actor.String())
	for _, f := range [...]struct {
		k, v string
		omit bool // omitempty in the struct
	}{{`,"Session":`, e.Session, false}, {`,"Identity":`, e.Identity, false},
		{`,"TokenID":`, e.TokenID, false}, {`,"Addr":`, e.Addr, false}, {`,"CorrelationID":`, e.CorrelationID, false},
		{`,"Fingerprint":`, e.Fingerprint, true},
		{`,"Method":`, e.Method, false}, {`,"Route":`, e.Route, false}, {`,"Path":`, e.Path, false}} {
		if f.v == "" && f.omit {
			continue
		}
		b = append(b, f.k...)
		b = AppendJSONString(b, f.v)
	}
	b = append(b, `,"Abusive":`...)
	b = strconv.AppendBool(b, e.Abusive)
	for _, f := range [...]struct {
		k string
		t time.Time
	}{{`,"Sent":`, e.Sent}, {`,"FirstByte":`, e.FirstByte}, {`,"Done":`, e.Done}} {
		b = append(b, f.k...)
		b = append(b, '"')
		b = f.t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"Status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"Bytes":`...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, `,"Outcome":`...)
	b = AppendJSONString(b, e.Outcome.String())
	b = append(b, `,"Leak":`...)
	b = strconv.AppendInt(b, int64(e.Leak), 10)
	if e.Err != "" {
		b = append(b, `,"Err":`...)
		b = AppendJSONString(b, e.Err)
	}
	if e.Refused != "" {
		b = append(b, `,"Refused":`...)
		b = AppendJSONString(b, e.Refused)
	}
	return append(b, '}')
}

// AppendJSONString appends s quoted as encoding/json quotes it, HTML
// characters, U+2028/U+2029 and invalid UTF-8 included: the reflection-free
// encoders of exchanges (here and reports' timeline file) share it.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
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

// jsonPlain says which bytes encoding/json writes in a string as they are:
// ASCII from the space up but the quote, the backslash and the HTML
// characters it escapes. A table, as a string of ids and paths is scanned
// byte by byte. Never changed after it is made.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return t
}()
