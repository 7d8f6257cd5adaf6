package responder

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Bounds of a synthesized body: how many JSON values (nodes) one body
// holds at most, how deep it nests, how long a string and how many
// elements an inner array are.
const (
	maxNodes    = 50_000
	maxDepth    = 12
	maxString   = 48
	innerArrays = 2
)

// epoch is the date synthesized timestamps start from, so bodies never
// depend on the wall clock.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// rng is a splitmix64 stream: small, fast and the same on every platform.
type rng struct{ s uint64 }

// newRNG seeds a stream from the responder's seed and the parts that name
// one value (route, record index, ...): the same parts always give the
// same value.
func newRNG(seed uint64, parts ...string) *rng {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return &rng{s: h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn is in [0, n); n > 0.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// synth builds JSON values from shapes within a node budget.
type synth struct {
	r     *rng
	nodes int
}

func newSynth(r *rng) *synth { return &synth{r: r, nodes: maxNodes} }

// value synthesizes one value of sh; name is the field it fills, which
// hints strings ("email", "name"). A nil shape is any object.
func (s *synth) value(sh *scenarios.Shape, name string, depth int) any {
	if s.nodes <= 0 || depth > maxDepth {
		return nil
	}
	s.nodes--
	if sh == nil {
		return map[string]any{}
	}
	if sh.Example != nil {
		if v, ok := decode(sh.Example); ok {
			s.nodes -= countNodes(v)
			return v
		}
	}
	if len(sh.Enum) > 0 {
		if v, ok := decode(sh.Enum[s.r.intn(len(sh.Enum))]); ok {
			return v
		}
	}
	switch {
	case sh.Cut:
		return nil
	case sh.Type == "object" || sh.Type == "" && len(sh.Properties) > 0:
		obj := make(map[string]any, len(sh.Properties))
		for _, p := range sh.Properties {
			obj[p.Name] = s.value(p.Shape, p.Name, depth+1)
		}
		return obj
	case sh.Type == "array" || sh.Type == "" && sh.Items != nil:
		n := max(sh.MinItems, min(innerArrays, max(sh.MaxItems, innerArrays)))
		if sh.MaxItems > 0 {
			n = min(n, sh.MaxItems)
		}
		n = min(n, 64)
		list := make([]any, 0, n)
		for range n {
			list = append(list, s.value(sh.Items, name, depth+1))
		}
		return list
	case sh.Type == "integer":
		return s.integer(sh)
	case sh.Type == "number":
		return float64(s.integer(sh)) + float64(s.r.intn(100))/100
	case sh.Type == "boolean":
		return s.r.intn(2) == 1
	}
	return s.text(sh, name)
}

func (s *synth) integer(sh *scenarios.Shape) int64 {
	lo, hi := 1.0, 1000.0
	if sh.HasMinimum {
		lo = sh.Minimum
	}
	if sh.HasMaximum {
		hi = sh.Maximum
	}
	if hi < lo || math.IsInf(hi-lo, 0) || math.IsNaN(hi-lo) {
		hi = lo
	}
	a, b := clampInt(lo), clampInt(hi)
	return a + int64(s.r.next()%(uint64(b-a)+1))
}

func clampInt(f float64) int64 {
	const limit = 1 << 53
	return int64(math.Max(-limit, math.Min(limit, math.Ceil(f))))
}

// text synthesizes a string by format, then by the field's name.
func (s *synth) text(sh *scenarios.Shape, name string) string {
	n := s.r.next()
	var v string
	switch sh.Format {
	case "date-time":
		v = epoch.Add(time.Duration(n%(365*24)) * time.Hour).Format(time.RFC3339)
	case "date":
		v = epoch.Add(time.Duration(n%365) * 24 * time.Hour).Format(time.DateOnly)
	case "email":
		v = fmt.Sprintf("user%d@example.com", n%100000)
	case "uuid":
		v = uuid(n, s.r.next())
	case "uri", "url":
		v = fmt.Sprintf("https://example.com/r/%d", n%100000)
	case "ipv4":
		v = fmt.Sprintf("192.0.2.%d", n%254+1)
	case "byte":
		v = "c2ltdWxhdGVk"
	default:
		v = hinted(name, n)
	}
	if sh.MaxLength > 0 && len(v) > sh.MaxLength {
		v = v[:sh.MaxLength]
	}
	for len(v) < min(sh.MinLength, maxString) {
		v += "x"
	}
	return v
}

// hinted makes a string that reads like what the field's name says.
func hinted(name string, n uint64) string {
	words := []string{"alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor", "indigo", "juniper"}
	switch lower := bytes.ToLower([]byte(name)); {
	case bytes.Contains(lower, []byte("email")):
		return fmt.Sprintf("user%d@example.com", n%100000)
	case bytes.Contains(lower, []byte("phone")):
		return fmt.Sprintf("+1555%07d", n%10_000_000)
	case bytes.Contains(lower, []byte("url")) || bytes.Contains(lower, []byte("uri")):
		return fmt.Sprintf("https://example.com/r/%d", n%100000)
	default:
		return words[n%uint64(len(words))] + "-" + strconv.FormatUint(n%10000, 10)
	}
}

func uuid(a, b uint64) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], a)
	binary.BigEndian.PutUint64(raw[8:], b)
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", raw[0:4], raw[4:6], raw[6:8], raw[8:10], raw[10:])
}

// decode reads a JSON example into values; numbers stay json.Number so
// that large ids survive.
func decode(data []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

func countNodes(v any) int {
	switch t := v.(type) {
	case map[string]any:
		n := 1
		for _, x := range t {
			n += countNodes(x)
		}
		return n
	case []any:
		n := 1
		for _, x := range t {
			n += countNodes(x)
		}
		return n
	}
	return 1
}

// typed converts a path's id to the type the field's shape asks for.
func typed(sh *scenarios.Shape, id string) any {
	if sh != nil && (sh.Type == "integer" || sh.Type == "number") {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return n
		}
	}
	return id
}
