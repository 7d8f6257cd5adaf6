package vu

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressLinesWithoutATerminal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncBuffer
		n := int64(0)
		stats := func() []Snapshot {
			n += 10
			return []Snapshot{{Scenario: "enum", Requests: n, Success: n - 2, Denied: 2, VUs: 3}, {Scenario: "open", Dropped: 4}}
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			Progress{Out: &out, Every: 5 * time.Second, Stats: stats}.Run(ctx)
			close(done)
		}()
		time.Sleep(12 * time.Second) // virtual time inside the bubble
		cancel()
		<-done
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		assert.Equal(t, []string{
			"abusegate +5s enum: 10 req, 8 ok, 2 denied, 0 failed, 0 errors, 3 VUs | open: 0 req, 0 ok, 0 denied, 0 failed, 0 errors, 0 VUs, 4 dropped",
			"abusegate +10s enum: 20 req, 18 ok, 2 denied, 0 failed, 0 errors, 3 VUs | open: 0 req, 0 ok, 0 denied, 0 failed, 0 errors, 0 VUs, 4 dropped",
			"abusegate +12s done enum: 30 req, 28 ok, 2 denied, 0 failed, 0 errors, 3 VUs | open: 0 req, 0 ok, 0 denied, 0 failed, 0 errors, 0 VUs, 4 dropped",
		}, lines)
	})
}

func TestProgressBarsOnATerminal(t *testing.T) {
	var out syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // one final frame
	Progress{Out: &out, TTY: true, Stats: func() []Snapshot {
		return []Snapshot{{Scenario: "enum", Requests: 7, Success: 5, Denied: 2}}
	}}.Run(ctx)
	assert.Contains(t, out.String(), "enum")
	assert.Contains(t, out.String(), "7 req, 5 ok, 2 denied")
}
