package benign

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
)

// pageReader reads the item ids of the answers a shopper gets: the "id"
// (matched as encoding/json matches a field: any case) of every object in
// the first array of a JSON object answer that holds only objects (or
// nulls), the products a listing showed. A numeric id counts, any other
// is skipped; an answer that is not valid JSON, or holds no such array,
// gives none. When an object repeats a member, the last one counts, as
// when decoding.
//
// It scans the bytes instead of decoding them, validating and reading in
// one pass (decoding every page a shopper reads was a quarter of a
// simulated day's CPU), and keeps its buffers from one answer to the
// next.
type pageReader struct {
	ids     []float64
	members []member
}

// member is a top-level member of an answer: its name and, when its value
// is a listing, where its ids lie in pageReader.ids.
type member struct {
	name     []byte
	from, to int
	listing  bool
}

// itemIDs returns the ids of body's listing, nil when there is none. The
// slice is valid until the next call.
func (r *pageReader) itemIDs(body []byte) []float64 {
	if !r.read(body) {
		return nil
	}
	for i, m := range r.members {
		if !m.listing || r.shadowed(i) {
			continue
		}
		if m.to == m.from {
			return nil
		}
		return r.ids[m.from:m.to]
	}
	return nil
}

// shadowed reports whether a later member has the i-th one's name.
func (r *pageReader) shadowed(i int) bool {
	for _, later := range r.members[i+1:] {
		if bytes.Equal(later.name, r.members[i].name) {
			return true
		}
	}
	return false
}

// read checks that body is one well-formed JSON object (as json.Valid
// would) and notes its members, with the ids of those that are listings.
func (r *pageReader) read(body []byte) bool {
	r.ids, r.members = r.ids[:0], r.members[:0]
	p := parser{b: body, r: r}
	p.space()
	if !p.is('{') {
		return false
	}
	ok := p.object(1, func(name []byte) bool {
		m := member{name: name, from: len(r.ids)}
		ok := false
		if p.is('[') {
			m.listing, ok = p.listing(2)
		} else {
			ok = p.value(1)
		}
		m.to = len(r.ids)
		r.members = append(r.members, m)
		return ok
	})
	p.space()
	return ok && p.i == len(body)
}

// maxDepth is encoding/json's nesting limit: deeper is invalid there too.
const maxDepth = 10000

// parser checks JSON's grammar (RFC 8259, as encoding/json's scanner:
// bytes of strings are not checked to be UTF-8) and reads listings on
// the way.
type parser struct {
	b []byte
	i int
	r *pageReader
}

func (p *parser) is(c byte) bool { return p.i < len(p.b) && p.b[p.i] == c }

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// listing steps over the array at p (nesting depth d), reporting whether
// it is well formed and whether it holds only objects and nulls, at least
// one, whose ids all fit a float64 (decoding fails otherwise). Their ids
// go to p.r.ids.
func (p *parser) listing(d int) (listing, ok bool) {
	if d > maxDepth {
		return false, false
	}
	p.i++ // '['
	p.space()
	if p.is(']') {
		p.i++
		return false, true
	}
	listing = true
	for {
		p.space()
		switch {
		case listing && p.is('{'):
			id, has, fits, ok := p.element(d + 1)
			if !ok {
				return false, false
			}
			listing = fits
			if has {
				p.r.ids = append(p.r.ids, id)
			}
		case listing && p.is('n'):
			if !p.literal("null") {
				return false, false
			}
		default:
			listing = false
			if !p.value(d) {
				return false, false
			}
		}
		p.space()
		if p.is(',') {
			p.i++
			continue
		}
		if !p.is(']') {
			return false, false
		}
		p.i++
		return listing, true
	}
}

// element steps over an object of a listing at depth d and reads its last
// "id" member: the number, whether it has a numeric one, and fits false
// when a number does not fit a float64.
func (p *parser) element(d int) (id float64, has, fits, ok bool) {
	fits = true
	ok = p.object(d, func(name []byte) bool {
		start := p.i
		if !p.value(d) {
			return false
		}
		if len(name) == 2 && name[0]|0x20 == 'i' && name[1]|0x20 == 'd' {
			has = false
			if c := p.b[start]; c == '-' || ('0' <= c && c <= '9') {
				f, err := parseNumber(p.b[start:p.i])
				fits = fits && err == nil
				id, has = f, err == nil
			}
		}
		return true
	})
	return id, has, fits, ok
}

// parseNumber is strconv.ParseFloat of a valid JSON number; short
// integers, the usual ids, are exact without it.
func parseNumber(lit []byte) (float64, error) {
	if len(lit) <= 15 {
		var n uint64
		for _, c := range lit {
			if c < '0' || c > '9' {
				return strconv.ParseFloat(string(lit), 64)
			}
			n = n*10 + uint64(c-'0')
		}
		return float64(n), nil
	}
	return strconv.ParseFloat(string(lit), 64)
}

// value steps over one value at nesting depth d, reporting whether it is
// well formed.
func (p *parser) value(d int) bool {
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.string()
		return ok
	case c == '{':
		return p.object(d+1, nil)
	case c == '[':
		return p.array(d + 1)
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return false
}

// object steps over the object at p, at nesting depth d, reporting
// whether it is well formed. member, when set, steps over each member's
// value, given the member's name.
func (p *parser) object(d int, member func(name []byte) bool) bool {
	if d > maxDepth {
		return false
	}
	p.i++ // '{'
	p.space()
	if p.is('}') {
		p.i++
		return true
	}
	for {
		p.space()
		var name []byte
		ok := false
		if member != nil {
			name, ok = p.name()
		} else {
			_, ok = p.string()
		}
		if !ok {
			return false
		}
		p.space()
		if !p.is(':') {
			return false
		}
		p.i++
		p.space()
		if member != nil {
			ok = member(name)
		} else {
			ok = p.value(d)
		}
		if !ok {
			return false
		}
		p.space()
		if p.is(',') {
			p.i++
			continue
		}
		if !p.is('}') {
			return false
		}
		p.i++
		return true
	}
}

func (p *parser) array(d int) bool {
	if d > maxDepth {
		return false
	}
	p.i++ // '['
	p.space()
	if p.is(']') {
		p.i++
		return true
	}
	for {
		p.space()
		if !p.value(d) {
			return false
		}
		p.space()
		if p.is(',') {
			p.i++
			continue
		}
		if !p.is(']') {
			return false
		}
		p.i++
		return true
	}
}

// name steps over a member's name and returns it decoded: the bytes
// between the quotes, copied only when it holds an escape.
func (p *parser) name() ([]byte, bool) {
	start := p.i
	escaped, ok := p.string()
	if !ok {
		return nil, false
	}
	raw := p.b[start:p.i]
	if !escaped {
		return raw[1 : len(raw)-1], true
	}
	var v string
	_ = json.Unmarshal(raw, &v) // a valid string decodes
	return []byte(v), true
}

// SWAR constants: a byte of ones, and each byte's high bit.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stringStop has the high bit of every byte of w that ends a string's
// plain run — '"', '\\' or a control character — and is exact at its
// lowest set bit (higher ones may be borrows).
func stringStop(w uint64) uint64 {
	quote := w ^ (ones * '"')
	slash := w ^ (ones * '\\')
	return ((quote-ones)&^quote | (slash-ones)&^slash | (w-ones*0x20)&^w) & highs
}

// string steps over a string: no control characters, only JSON's
// escapes; escaped reports whether it held one. It reads 8 bytes at a
// time up to the next byte that needs a look.
func (p *parser) string() (escaped, ok bool) {
	if !p.is('"') {
		return false, false
	}
	b, i := p.b, p.i+1
	for {
		for i+8 <= len(b) {
			if stop := stringStop(binary.LittleEndian.Uint64(b[i:])); stop != 0 {
				i += bits.TrailingZeros64(stop) / 8
				break
			}
			i += 8
		}
		if i >= len(b) {
			return false, false
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				return false, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return false, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return false, false
					}
				}
				i += 4
			default:
				return false, false
			}
		}
		i++
	}
}

// number steps over -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *parser) number() bool {
	if p.is('-') {
		p.i++
	}
	switch {
	case p.is('0'):
		p.i++
	case p.i < len(p.b) && '1' <= p.b[p.i] && p.b[p.i] <= '9':
		p.digits()
	default:
		return false
	}
	if p.is('.') {
		p.i++
		if !p.digits() {
			return false
		}
	}
	if p.is('e') || p.is('E') {
		p.i++
		if p.is('+') || p.is('-') {
			p.i++
		}
		if !p.digits() {
			return false
		}
	}
	return true
}

// digits steps over [0-9]+, false when there is none.
func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

func (p *parser) literal(lit string) bool {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return false
	}
	p.i += len(lit)
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
