package benign

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// itemIDs returns the "id" (matched as encoding/json matches a field:
// any case) of every object in the first array of a JSON object answer
// that holds only objects (or nulls): the products a listing showed. A
// numeric id counts, any other is skipped; an answer that is not valid
// JSON, or holds no such array, gives nil.
//
// It scans the bytes instead of decoding them: decoding every page a
// shopper reads was a quarter of a simulated day's CPU. When an object
// repeats a member, the last one counts, as when decoding.
func itemIDs(body []byte) []float64 {
	members, ok := topMembers(body)
	if !ok {
		return nil
	}
	for i, m := range members {
		shadowed := false
		for _, later := range members[i+1:] {
			shadowed = shadowed || later.name == m.name
		}
		if shadowed {
			continue
		}
		if ids, n, ok := arrayIDs(body[m.start:m.end]); ok && n > 0 {
			return ids
		}
	}
	return nil
}

// member is a top-level member of an answer: its decoded name and where
// its value lies.
type member struct {
	name       string
	start, end int
}

// topMembers checks that body is one well-formed JSON object (as
// json.Valid would) and returns its members, in one pass: validating
// first with json.Valid and then scanning was two, and the pages a
// shopper reads are most of what a simulated day parses.
func topMembers(body []byte) ([]member, bool) {
	v := validator{b: body}
	v.space()
	if !v.is('{') {
		return nil, false
	}
	var members []member
	v.i++
	v.space()
	if v.is('}') {
		v.i++
	} else {
		for {
			v.space()
			start := v.i
			if !v.string() {
				return nil, false
			}
			name := (&scanner{b: body, i: start}).str()
			v.space()
			if !v.is(':') {
				return nil, false
			}
			v.i++
			v.space()
			at := v.i
			if !v.value(1) {
				return nil, false
			}
			members = append(members, member{string(name), at, v.i})
			v.space()
			if v.is(',') {
				v.i++
				continue
			}
			if !v.is('}') {
				return nil, false
			}
			v.i++
			break
		}
	}
	v.space()
	return members, v.i == len(body)
}

// maxDepth is encoding/json's nesting limit: deeper is invalid there too.
const maxDepth = 10000

// validator checks JSON's grammar (RFC 8259, as encoding/json's scanner:
// bytes of strings are not checked to be UTF-8).
type validator struct {
	b []byte
	i int
}

func (v *validator) is(c byte) bool { return v.i < len(v.b) && v.b[v.i] == c }

func (v *validator) space() {
	for v.i < len(v.b) {
		switch v.b[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

// value steps over one value at nesting depth d, reporting whether it is
// well formed.
func (v *validator) value(d int) bool {
	if v.i >= len(v.b) {
		return false
	}
	switch c := v.b[v.i]; {
	case c == '"':
		return v.string()
	case c == '{':
		return v.object(d + 1)
	case c == '[':
		return v.array(d + 1)
	case c == '-' || ('0' <= c && c <= '9'):
		return v.number()
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	}
	return false
}

func (v *validator) object(d int) bool {
	if d > maxDepth {
		return false
	}
	v.i++ // '{'
	v.space()
	if v.is('}') {
		v.i++
		return true
	}
	for {
		v.space()
		if !v.string() {
			return false
		}
		v.space()
		if !v.is(':') {
			return false
		}
		v.i++
		v.space()
		if !v.value(d) {
			return false
		}
		v.space()
		if v.is(',') {
			v.i++
			continue
		}
		if !v.is('}') {
			return false
		}
		v.i++
		return true
	}
}

func (v *validator) array(d int) bool {
	if d > maxDepth {
		return false
	}
	v.i++ // '['
	v.space()
	if v.is(']') {
		v.i++
		return true
	}
	for {
		v.space()
		if !v.value(d) {
			return false
		}
		v.space()
		if v.is(',') {
			v.i++
			continue
		}
		if !v.is(']') {
			return false
		}
		v.i++
		return true
	}
}

// string steps over a string: no control characters, only JSON's
// escapes.
func (v *validator) string() bool {
	if !v.is('"') {
		return false
	}
	for v.i++; v.i < len(v.b); v.i++ {
		switch c := v.b[v.i]; {
		case c == '"':
			v.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			v.i++
			if v.i >= len(v.b) {
				return false
			}
			switch v.b[v.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if v.i+4 >= len(v.b) {
					return false
				}
				for _, h := range v.b[v.i+1 : v.i+5] {
					if !isHex(h) {
						return false
					}
				}
				v.i += 4
			default:
				return false
			}
		}
	}
	return false
}

// number steps over -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (v *validator) number() bool {
	if v.is('-') {
		v.i++
	}
	switch {
	case v.is('0'):
		v.i++
	case v.i < len(v.b) && '1' <= v.b[v.i] && v.b[v.i] <= '9':
		v.digits()
	default:
		return false
	}
	if v.is('.') {
		v.i++
		if !v.digits() {
			return false
		}
	}
	if v.is('e') || v.is('E') {
		v.i++
		if v.is('+') || v.is('-') {
			v.i++
		}
		if !v.digits() {
			return false
		}
	}
	return true
}

// digits steps over [0-9]+, false when there is none.
func (v *validator) digits() bool {
	start := v.i
	for v.i < len(v.b) && '0' <= v.b[v.i] && v.b[v.i] <= '9' {
		v.i++
	}
	return v.i > start
}

func (v *validator) literal(lit string) bool {
	if len(v.b)-v.i < len(lit) || string(v.b[v.i:v.i+len(lit)]) != lit {
		return false
	}
	v.i += len(lit)
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// arrayIDs reads the ids of an array of objects; n counts its elements,
// ok is false when b is no such array.
func arrayIDs(b []byte) (ids []float64, n int, ok bool) {
	s := scanner{b: b}
	if !s.is('[') {
		return nil, 0, false
	}
	s.i++
	for s.space(); !s.is(']'); s.space() {
		n++
		switch {
		case s.is('{'):
			id, has, valid := s.objectID()
			if !valid {
				return nil, 0, false
			}
			if has {
				ids = append(ids, id)
			}
		case s.is('n'):
			s.i += len("null")
		default:
			return nil, 0, false
		}
		s.space()
		if s.is(',') {
			s.i++
		}
	}
	return ids, n, true
}

// scanner walks JSON already known to be valid (topMembers checked it).
type scanner struct {
	b []byte
	i int
}

func (s *scanner) is(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str reads a string and returns its value, without a copy unless it
// holds an escape.
func (s *scanner) str() []byte {
	start := s.i
	s.skipString()
	raw := s.b[start:s.i]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var v string
	_ = json.Unmarshal(raw, &v) // valid JSON: a string decodes
	return []byte(v)
}

func (s *scanner) skipString() {
	s.i++ // '"'
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

// skip steps over one value.
func (s *scanner) skip() {
	if s.is('"') {
		s.skipString()
		return
	}
	if !s.is('{') && !s.is('[') {
		for s.i < len(s.b) && !endsLiteral(s.b[s.i]) {
			s.i++
		}
		return
	}
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.skipString()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		s.i++
		if depth == 0 {
			return
		}
	}
}

// objectID reads an object's last "id" member: its number, whether it
// has a numeric one, and valid false when the number does not fit a
// float64 (decoding fails then).
func (s *scanner) objectID() (id float64, has, valid bool) {
	s.i++ // '{'
	for s.space(); !s.is('}'); s.space() {
		name := s.str()
		s.space()
		s.i++ // ':'
		s.space()
		start := s.i
		s.skip()
		if len(name) == 2 && (name[0]|0x20) == 'i' && (name[1]|0x20) == 'd' {
			lit := s.b[start:s.i]
			has = false
			if c := lit[0]; c == '-' || (c >= '0' && c <= '9') {
				f, err := strconv.ParseFloat(string(lit), 64)
				if err != nil {
					return 0, false, false
				}
				id, has = f, true
			}
		}
		s.space()
		if s.is(',') {
			s.i++
		}
	}
	s.i++ // '}'
	return id, has, true
}

// endsLiteral reports a byte that ends a number, true, false or null.
func endsLiteral(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
