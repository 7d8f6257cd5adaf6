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

// TestTopMembersValidates: the one-pass scan accepts exactly what
// json.Valid does, for objects (other answers hold no listing).
func TestTopMembersValidates(t *testing.T) {
	deep := []byte(`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `,"items":[{"id":1}]}`)
	for _, body := range append(idBodies, string(deep), string(deep[:len(deep)-1])) {
		_, ok := topMembers([]byte(body))
		assert.Equal(t, isObject([]byte(body)) && json.Valid([]byte(body)), ok, body)
	}
}

// isObject reports whether body's first non-space byte opens an object.
func isObject(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

func TestItemIDsAgreesWithDecoding(t *testing.T) {
	for _, body := range idBodies {
		want, single := decodedIDs([]byte(body))
		if !single {
			continue // several arrays: decoding picks any
		}
		assert.Equal(t, want, itemIDs([]byte(body)), body)
	}
	assert.Equal(t, []float64{1, 2}, itemIDs([]byte(idBodies[0])))
	assert.Equal(t, []float64{7.5, 3, 5}, itemIDs([]byte(idBodies[1])))
}

func FuzzItemIDs(f *testing.F) {
	for _, b := range idBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := itemIDs(body)
		_, ok := topMembers(body)
		assert.Equal(t, isObject(body) && json.Valid(body), ok)
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
		for b.Loop() {
			itemIDs(body)
		}
	})
	b.Run("decode", func(b *testing.B) { // what itemIDs replaced
		b.ReportAllocs()
		for b.Loop() {
			decodedIDs(body)
		}
	})
}
