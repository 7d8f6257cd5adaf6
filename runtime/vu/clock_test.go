package vu

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A SimClock reads exactly the instants it was moved to, in its start's
// location, never goes backwards, and wakes a sleeper once its deadline
// has come.
func TestSimClock(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name  string
		start time.Time
	}{
		{name: "utc", start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "zone and nanoseconds", start: time.Date(2026, 3, 29, 1, 59, 59, 999_999_999, berlin)},
		{name: "before 1970", start: time.Date(1900, 6, 1, 12, 0, 0, 5, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewSimClock(tc.start)
			assert.Equal(t, tc.start, c.Now())
			for _, d := range []time.Duration{time.Nanosecond, 999 * time.Millisecond, 36 * time.Hour, 400 * 24 * time.Hour} {
				want := c.Now().Add(d)
				c.AdvanceTo(want)
				assert.Equal(t, want, c.Now(), "after %s", d)
			}
			before := c.Now()
			c.AdvanceTo(before.Add(-time.Second))
			assert.Equal(t, before, c.Now(), "never backwards")
			c.Advance(time.Minute)
			assert.Equal(t, before.Add(time.Minute), c.Now())
		})
	}
	t.Run("zero value reads the zero time", func(t *testing.T) {
		var c SimClock
		assert.True(t, c.Now().IsZero())
		assert.Equal(t, time.Time{}, c.Now())
		c.Advance(time.Hour)
		assert.Equal(t, time.Time{}.Add(time.Hour), c.Now())
	})
	t.Run("far future saturates", func(t *testing.T) {
		c := NewSimClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		c.AdvanceTo(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
		assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(maxSimSeconds)*time.Second), c.Now())
		c.AdvanceTo(time.Time{})
		assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(maxSimSeconds)*time.Second), c.Now())
	})
	t.Run("sleepers wake at their deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := NewSimClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			done := make(chan error, 1)
			go func() { done <- c.Sleep(context.Background(), time.Second) }()
			synctest.Wait()
			c.Advance(999 * time.Millisecond)
			synctest.Wait()
			require.Equal(t, 1, c.Sleepers())
			c.Advance(time.Millisecond)
			require.NoError(t, <-done)
			assert.Zero(t, c.Sleepers())
		})
	})
}
