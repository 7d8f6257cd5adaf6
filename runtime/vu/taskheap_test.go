package vu

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTaskHeapOrder: pushes and pops interleaved at random come out in
// (key, seq) order, ties on key included, as the engine's determinism
// needs.
func TestTaskHeapOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys int64 // distinct keys: few means many ties
	}{
		{name: "ties", keys: 3},
		{name: "spread", keys: 1 << 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.keys)))
			var h taskHeap
			var want []entry
			var seq uint64
			var got []entry
			for range 5000 {
				if len(h) == 0 || rng.IntN(3) > 0 {
					seq++
					tk := entry{key: rng.Int64N(tc.keys), seq: seq}
					h.push(tk)
					want = append(want, tk)
					continue
				}
				got = append(got, h.pop())
				// The popped task is the least of those in the heap.
				least := slices.MinFunc(want, func(a, b entry) int {
					return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.seq, b.seq))
				})
				require.Equal(t, least.seq, got[len(got)-1].seq)
				want = slices.DeleteFunc(want, func(x entry) bool { return x.seq == least.seq })
			}
			require.Len(t, h, len(want))
			require.NotEmpty(t, got)
		})
	}
}
