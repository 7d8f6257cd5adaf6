package guard

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestShareCodecRoundTrip(t *testing.T) {
	recs := []shared{
		{kind: recEvent, ev: scenarios.Event{Method: "GET", Path: "/users/7?x=1", ObjectID: "7", Identity: "mallory",
			TokenID: "tok-1", Addr: "10.0.0.1", Fingerprint: "fp", Geo: "FR", Status: 403, Bytes: 1 << 40,
			Latency: 1500 * time.Microsecond}},
		{kind: recLearn, ev: scenarios.Event{TokenID: "tok-2", Identity: "alice"}},
		{kind: recEvent, ev: scenarios.Event{Method: "POST", Path: "/login", Username: "bob", Coupon: "SAVE10", Cart: "c1", Units: -3}},
		{kind: recEvent},
	}
	b := []byte{batchVersion}
	for i := range recs {
		b = appendRecord(b, &recs[i])
	}
	var got []shared
	require.NoError(t, decodeBatch(b, func(r shared) { got = append(got, r) }))
	assert.Equal(t, recs, got)
}

func TestShareCodecMalformed(t *testing.T) {
	whole := appendRecord([]byte{batchVersion}, &shared{kind: recEvent, ev: scenarios.Event{Method: "GET", Path: "/users/1"}})
	tests := []struct {
		name string
		b    []byte
		n    int // records delivered before the fault
	}{
		{"empty", nil, 0},
		{"other version", []byte{9, recLearn, 0, 0}, 0},
		{"unknown kind", []byte{batchVersion, 'x'}, 0},
		{"truncated string", append(append([]byte{}, whole...), recLearn, 5, 'a'), 1},
		{"truncated event", whole[:len(whole)-2], 0},
		{"length past the end", []byte{batchVersion, recLearn, 0xff, 0xff, 0xff, 0xff, 0x0f}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			err := decodeBatch(tt.b, func(shared) { n++ })
			require.ErrorIs(t, err, errBatch)
			assert.Equal(t, tt.n, n)
		})
	}
}

func FuzzShareDecode(f *testing.F) {
	f.Add(appendRecord([]byte{batchVersion}, &shared{kind: recEvent, ev: scenarios.Event{Method: "GET", Path: "/x", Status: 200}}))
	f.Add([]byte{batchVersion, recLearn, 1, 'a', 1, 'b'})
	f.Fuzz(func(t *testing.T, b []byte) {
		var again []byte
		err := decodeBatch(b, func(r shared) { again = appendRecord(again, &r) })
		if err == nil && len(b) > 0 {
			// What decodes re-encodes to the same records.
			var twice []byte
			require.NoError(t, decodeBatch(append([]byte{batchVersion}, again...), func(r shared) { twice = appendRecord(twice, &r) }))
			assert.Equal(t, again, twice)
		}
	})
}
