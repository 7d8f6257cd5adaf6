package consumption

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
)

func TestCountItems(t *testing.T) {
	tests := []struct {
		name string
		body string
		n    int
		cut  bool
	}{
		{"whole list", `[{"id":1},{"id":2},null]`, 3, false},
		{"whole page", `{"items":[{"id":1},{"id":2}],"total":9}` + "\n", 2, false},
		{"cut inside an item", `[{"id":1},{"id":2},{"id":3,"na`, 2, true},
		{"cut after a comma", `[{"id":1},`, 1, true},
		{"cut inside a number", `[{"id":1},{"id":2`, 1, true},
		{"cut inside a page", `{"object":"list","data":[{"id":"a","tags":[1]},{"id":"b"},{"id"`, 2, true},
		{"cut before the list", `{"object":"list","url":"/v1/acc`, 0, true},
		{"members before the list", `{"meta":{"pages":[1,2],"next":null},"empty":[],"ids":[1,2],"accounts":[{},{},{`, 2, true},
		{"the first list counts", `{"a":[{}],"b":[{},{},{`, 1, true},
		{"cut in a later member", `{"a":[{},{}],"meta":{"n`, 2, true},
		{"a list of numbers", `[1,2,3,4`, 0, true},
		{"an item past float64", `[{"n":1e400},{},{}`, 0, true},
		{"empty body", ``, 0, true},
		{"a scalar", `"abc"`, 0, false},
		{"an HTML error page", `<html><body>502 Bad Gateway</body></html>`, 0, false},
		{"garbage after the list", `[{},{}]<html>`, 0, false},
		{"garbage in the list", `[{},{}<html>`, 0, false},
		{"a missing colon", `{"items" [{},{}`, 0, false},
		{"a missing comma", `[{} {}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, cut := countItems([]byte(tt.body))
			assert.Equal(t, tt.n, n)
			assert.Equal(t, tt.cut, cut)
			if !cut && json.Valid([]byte(tt.body)) {
				assert.Len(t, generators.Items([]byte(tt.body)), n, "as generators.Items counts")
			}
		})
	}
}

// A page of 60,000 items cut at 1 MiB, as runtime/vu reads it: the
// count is of the items before the cut, not 0.
func TestCountItemsOfABigPageCutAtTheReadLimit(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := range 60_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":` + strings.Repeat("7", 40) + `,"name":"widget"}`)
	}
	b.WriteString(`],"total":60000}`)
	full := b.Bytes()
	require.Greater(t, len(full), 3<<20)
	n, cut := countItems(full)
	assert.Equal(t, 60_000, n)
	assert.False(t, cut)

	body := full[:1<<20]
	require.Empty(t, generators.Items(body), "no parser accepts a cut page")
	n, cut = countItems(body)
	assert.True(t, cut)
	assert.Equal(t, bytes.Count(body, []byte(`"widget"}`)), n)
	assert.Equal(t, n-DefaultCap, served(body)-DefaultCap)
}

func TestGraphQLCutExcess(t *testing.T) {
	c := &gqlConsumer{limit: 1}
	tests := []struct {
		name string
		body string
		n    int
		cut  bool
	}{
		{"whole", `{"data":{"l0":{"items":[{"id":1},{"id":2},{"id":3}]},"l1":[1,2]}}`, 2 + 1, false},
		{"cut in the second alias", `{"data":{"l0":{"items":[{"id":1},{"id":2},{"id":3}]},"l1":{"total":3,"items":[{"id":1},{"id":2},{"id`, 2 + 1, true},
		{"the longest list", `{"data":{"l0":{"tags":[1,2,3],"edges":[{},{`, 2, true},
		{"errors first", `{"errors":[{"message":"slow"}],"data":{"l0":[{},{},{`, 1, true},
		{"cut before data", `{"errors":[{"mess`, 0, true},
		{"null data", `{"data":null,"errors":[]}`, 0, false},
		{"garbage", `upstream timed out`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, cut := c.cutExcess([]byte(tt.body))
			assert.Equal(t, tt.n, n)
			assert.Equal(t, tt.cut, cut)
			if !cut {
				answers, err := generators.ParseAnswers([]byte(tt.body))
				if err == nil {
					assert.Equal(t, c.excess(answers), n, "as excess counts a whole answer")
				}
			}
		})
	}
}

// FuzzCountItems: on any input countItems returns; on a whole JSON
// answer that generators.Items reads one way only it is Items' count; on
// every prefix of a JSON document that is not itself one it says cut;
// and on the prefixes of an answer that has items, its count never falls
// as the prefix grows and never passes the whole answer's.
func FuzzCountItems(f *testing.F) {
	for _, s := range []string{
		`[{"id":1},{"id":2},null]`,
		`{"items":[{"id":1,"name":"a\"]}"},{"id":2}],"page":1,"total":2}`,
		`{"object":"list","data":[{"id":"acct_1","metadata":{"k":[1,{"x":2}]}},{"id":"acct_2"}],"has_more":true}`,
		`{"meta":{"page":0,"next":null},"accounts":[{"sid":"AC1"},{"sid":"AC2"},{"sid":"AC3"}]}`,
		`{"tags":[1,2],"items":[{},{}]}`,
		`[{"n":1e400},{}]`,
		`{"a":[{}],"a":[{},{}]}`,
		`<html>502</html>`,
		` [ { } , { "a" : [ ] } ] `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, cut := countItems(body)
		if !json.Valid(body) {
			return
		}
		if oneReading(body) {
			require.False(t, cut, "a whole document is not cut")
			require.Len(t, generators.Items(body), n, "as generators.Items counts")
		}
		monotone := n > 0 && oneReading(body)
		last := 0
		for end := range len(body) {
			k, cut := countItems(body[:end])
			if !json.Valid(body[:end]) {
				require.True(t, cut, "a prefix of a JSON document is cut, not broken: %q", body[:end])
			}
			if monotone {
				require.GreaterOrEqual(t, k, last, "the count falls at %d: %q", end, body[:end])
				require.LessOrEqual(t, k, n, "a prefix counts more than the whole: %q", body[:end])
				last = k
			}
		}
	})
}

// oneReading reports whether generators.Items reads body one way only:
// it is not an object, or at most one of its members is a list or null
// (Items takes any list of a decoded map, whose order is random) and no
// key repeats (the map keeps the last).
func oneReading(body []byte) bool {
	var page map[string]json.RawMessage
	if json.Unmarshal(body, &page) != nil {
		return true
	}
	lists := 0
	for _, raw := range page {
		if raw[0] == '[' || raw[0] == 'n' {
			lists++
		}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	members := 0
	if _, err := d.Token(); err != nil {
		return false
	}
	for d.More() {
		var raw json.RawMessage
		if _, err := d.Token(); err != nil || d.Decode(&raw) != nil {
			return false
		}
		members++
	}
	return lists <= 1 && members == len(page)
}

// FuzzGraphQLCutExcess: on any input cutExcess returns, and every prefix
// of a JSON document that is not itself one is cut; on an answer of
// aliased lists and connections (one per byte of shape, its size the
// byte's upper bits, filler in every item) it is excess's count, and on
// the answer's prefixes it never falls as the prefix grows nor passes it.
func FuzzGraphQLCutExcess(f *testing.F) {
	f.Add([]byte(`{"data":{"l0":[1,2]}}`), []byte{9, 40, 255}, "x")
	f.Add([]byte(`{"errors":[{"message":"no"}],"data":null}`), []byte{}, `"]}\`)
	c := &gqlConsumer{limit: 3}
	f.Fuzz(func(t *testing.T, raw, shape []byte, filler string) {
		c.cutExcess(raw)
		if json.Valid(raw) {
			for end := range len(raw) {
				if _, cut := c.cutExcess(raw[:end]); !json.Valid(raw[:end]) {
					require.True(t, cut, "a prefix of a JSON document is cut, not broken: %q", raw[:end])
				}
			}
		}
		answer := aliasedAnswer(shape, filler)
		answers, err := generators.ParseAnswers(answer)
		require.NoError(t, err)
		full, cut := c.cutExcess(answer)
		require.False(t, cut)
		require.Equal(t, c.excess(answers), full, "as excess counts: %s", answer)
		last := 0
		for end := range len(answer) {
			n, cut := c.cutExcess(answer[:end])
			require.True(t, cut)
			require.GreaterOrEqual(t, n, last, "the count falls at %d: %q", end, answer[:end])
			require.LessOrEqual(t, n, full)
			last = n
		}
	})
}

// aliasedAnswer is a GraphQL answer of one alias per byte of shape: a
// list when the byte is even, else a connection {"total", "edges",
// "tags"}; byte>>5 items each, their ids filler. It stays small (at most
// 5 aliases, a filler of 8 bytes) as every prefix of it is read.
func aliasedAnswer(shape []byte, filler string) []byte {
	message, _ := json.Marshal(filler[:min(len(filler), 8)])
	item := `{"id":` + string(message) + `}`
	var b bytes.Buffer
	b.WriteString(`{"errors":[{"message":` + string(message) + `}],"data":{`)
	for i, s := range shape[:min(len(shape), 5)] {
		if i > 0 {
			b.WriteByte(',')
		}
		list := "[" + strings.TrimSuffix(strings.Repeat(item+",", int(s>>5)), ",") + "]"
		if s%2 == 1 {
			list = `{"total":` + strconv.Itoa(int(s)) + `,"edges":` + list + `,"tags":[1,2,3,4],"more":{"x":[]}}`
		}
		fmt.Fprintf(&b, `"l%d":%s`, i, list)
	}
	b.WriteString(`},"extensions":{"cost":[1]}}`)
	return b.Bytes()
}
