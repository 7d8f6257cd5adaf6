package vu

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestRecorderSpillsAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	rec := &Recorder{MaxInMemory: 100, Dir: dir}
	const n = 2_550
	var wg sync.WaitGroup
	for w := range 5 {
		wg.Go(func() {
			for i := range n / 5 {
				k := w*(n/5) + i
				rec.Record(scenarios.Exchange{Scenario: "s", VU: w, CorrelationID: fmt.Sprint(k), Actor: scenarios.Attacker,
					Outcome: scenarios.Outcome(k % 5), Sent: epoch.Add(time.Duration(k) * time.Millisecond), Status: 200})
			}
		})
	}
	wg.Wait()
	require.NoError(t, rec.Err())
	rec.mu.Lock()
	assert.LessOrEqual(t, len(rec.mem), 100, "memory stays bounded")
	rec.mu.Unlock()
	files, _ := os.ReadDir(dir)
	assert.Len(t, files, 1)

	got := rec.Exchanges()
	require.Len(t, got, n)
	assert.Equal(t, n, rec.Len())
	for k, e := range got {
		assert.Equal(t, fmt.Sprint(k), e.CorrelationID)
		assert.Equal(t, scenarios.Outcome(k%5), e.Outcome, "outcomes read back")
		assert.Equal(t, scenarios.Attacker, e.Actor)
		assert.True(t, e.Sent.Equal(epoch.Add(time.Duration(k)*time.Millisecond)))
	}
	require.NoError(t, rec.Close())
	files, _ = os.ReadDir(dir)
	assert.Empty(t, files, "Close removes the spill file")
}

func BenchmarkRecord(b *testing.B) {
	rec := &Recorder{MaxInMemory: 10_000, Dir: b.TempDir()}
	defer rec.Close()
	e := scenarios.Exchange{Scenario: "bench", CorrelationID: "bench-1-2", Method: "GET", Path: "/users/42", Sent: epoch, Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		rec.Record(e)
	}
}
