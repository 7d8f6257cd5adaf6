package benign

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// decodedIDs is what itemIDs must agree with: the ids as encoding/json
// decodes them, from the one array member of an answer (decoding cannot
// say which of several arrays is first: a map has no order).
func decodedIDs(body []byte) ([]float64, bool) {
	var page map[string]json.RawMessage
	if json.Unmarshal(body, &page) != nil {
		return nil, true
	}
	var found []float64
	n := 0
	for _, raw := range page {
		var items []struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
			continue
		}
		n++
		found = nil
		for _, it := range items {
			if id, ok := it.ID.(float64); ok {
				found = append(found, id)
			}
		}
	}
	return found, n <= 1
}

var idBodies = []string{
	`{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"page":1,"limit":20,"total":200}`,
	`{"page":1,"items":[{"name":"x","id":7.5},{"id":"str"},{"ID":3},{"Id":4,"id":5},{"id":6,"id":null}]}`,
	`{"items":[]}`,
	`{"items":[null,{"id":1}]}`,
	`{"items":[null]}`,
	`{"items":[1,2,3]}`,
	`{"items":[{"id":1},2]}`,
	`{"items":[{"id":1e400}]}`,
	`{"items":[{"id":-0.5e2}], "more": {"a":[{"id":9}]}}`,
	`{"items":[{"id":1}],"items":[{"id":2}]}`,
	`{"it\u0065ms":[{"\u0069d":8,"n":"q\"uo]}te"}]}`,
	`{"error":"product not found"}`,
	`{"id":4,"name":"Widget","tags":["a","b"],"stock":3}`,
	`{"cart":{"items":[{"id":1}]},"total":3}`,
	` { "items" : [ { "id" : 1 } , { "id" : 2 } ] } `,
	`[{"id":1}]`,
	`null`,
	`{"items":[{"id":1}`,
	``,
	`{"a":null,"b":[{"id":true}],"c":[{"x":[{"id":2}],"id":3}]}`,
	// Malformed: each must give nil, as json.Valid refuses it.
	`{"items":[{"id":1}]} x`,
	`{"items":[{"id":01}]}`,
	`{"items":[{"id":1.}]}`,
	`{"items":[{"id":-}]}`,
	`{"items":[{"id":1e}]}`,
	`{"items":[{"id":1,}]}`,
	`{"items":[{"id":1}],}`,
	`{"items":[{"id":1} {"id":2}]}`,
	`{"items":[{"id":1}],"x":"\q"}`,
	`{"items":[{"id":1}],"x":"\u12g4"}`,
	"{\"items\":[{\"id\":1}],\"x\":\"a\tb\"}",
	`{"items":[{"id":1}],"x":tru}`,
	`{"items":[{"id":1}],"x":nul}`,
	`{"items":[{"id":1}],"x":[1 2]}`,
	`{"items":[{"id":1}] "x":1}`,
	`{"items":[{"id":1}],"x":{"a"}}`,
	`{'items':[{"id":1}]}`,
	`{"items":[{"id":1}],"x":"\u00e9\/\b\f\n\r\t\"\\"}`,
}

// TestPageReaderValidates: the one-pass scan accepts exactly what
// json.Valid does, for objects (other answers hold no listing).
func TestPageReaderValidates(t *testing.T) {
	deep := []byte(`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `,"items":[{"id":1}]}`)
	for _, body := range append(idBodies, string(deep), string(deep[:len(deep)-1])) {
		ok := new(pageReader).read([]byte(body))
		assert.Equal(t, isObject([]byte(body)) && json.Valid([]byte(body)), ok, body)
	}
}

// isObject reports whether body's first non-space byte opens an object.
func isObject(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// itemIDs reads body with a reader of its own.
func itemIDs(body []byte) []float64 { return new(pageReader).itemIDs(body) }

func TestItemIDsAgreesWithDecoding(t *testing.T) {
	shared := new(pageReader) // a shopper reuses its reader's buffers
	for _, body := range idBodies {
		got := shared.itemIDs([]byte(body))
		assert.Equal(t, itemIDs([]byte(body)), got, body)
		want, single := decodedIDs([]byte(body))
		if !single {
			continue // several arrays: decoding picks any
		}
		assert.Equal(t, want, got, body)
	}
	assert.Equal(t, []float64{1, 2}, itemIDs([]byte(idBodies[0])))
	assert.Equal(t, []float64{7.5, 3, 5}, itemIDs([]byte(idBodies[1])))
}

// The string scan reads 8 bytes at a time: every escape, quote and
// control character at every offset of a long string, and strings ending
// at every distance from the end of the body.
func TestPageReaderStrings(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\/`, `\n`, `\u00e9`, `\u12g4`, `\q`, "\t", "\x1f", "\x7f", "\xff", `"`, `é`} {
		for at := range 20 {
			for tail := range 10 {
				s := strings.Repeat("a", at) + special + strings.Repeat("b", tail)
				body := []byte(`{"items":[{"id":1,"n":"` + s + `"}]}`)
				ok := new(pageReader).read(body)
				assert.Equal(t, json.Valid(body), ok, "%q", body)
				if ok {
					assert.Equal(t, []float64{1}, itemIDs(body), "%q", body)
				}
				cut := body[:len(body)-4-tail]
				assert.False(t, new(pageReader).read(cut), "%q", cut)
			}
		}
	}
}

func FuzzItemIDs(f *testing.F) {
	for _, b := range idBodies {
		f.Add([]byte(b))
	}
	shared := new(pageReader)
	f.Fuzz(func(t *testing.T, body []byte) {
		got := itemIDs(body)
		assert.Equal(t, isObject(body) && json.Valid(body), new(pageReader).read(body))
		assert.Equal(t, got, shared.itemIDs(body), "a reused reader reads the same")
		if want, single := decodedIDs(body); single {
			assert.Equal(t, want, got)
		}
	})
}

func BenchmarkItemIDs(b *testing.B) {
	body := []byte(`{"items":[`)
	for i := range 20 {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"id":`...)
		body = append(body, byte('0'+i%10))
		body = append(body, `,"name":"Product name","description":"A product description of some length","price_cents":1999,"stock":12}`...)
	}
	body = append(body, `],"page":1,"limit":20,"total":200}`...)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		var r pageReader
		for b.Loop() {
			r.itemIDs(body)
		}
	})
	b.Run("decode", func(b *testing.B) { // what itemIDs replaced
		b.ReportAllocs()
		for b.Loop() {
			decodedIDs(body)
		}
	})
}
