package benign

import (
	"encoding/json"
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
