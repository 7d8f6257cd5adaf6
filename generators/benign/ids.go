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
	if !json.Valid(body) {
		return nil
	}
	s := scanner{b: body}
	s.space()
	if !s.is('{') {
		return nil
	}
	// Members whose name repeats: only the last counts, as in a map.
	type member struct {
		name       string
		start, end int
	}
	var members []member
	s.i++
	for s.space(); !s.is('}'); s.space() {
		name := string(s.str())
		s.space()
		s.i++ // ':'
		s.space()
		start := s.i
		s.skip()
		members = append(members, member{name, start, s.i})
		s.space()
		if s.is(',') {
			s.i++
		}
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

// scanner walks JSON already known to be valid.
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
