package vu

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A crowd of one device per person shares none with OwnDevices; the
// hashed pick puts several people on one device.
func TestOwnDevices(t *testing.T) {
	cases := []struct {
		name     string
		own      bool
		distinct func(assert.TestingT, any, any, ...any) bool
	}{
		{"own", true, assert.Equal},
		{"hashed", false, assert.Greater},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			devices := DefaultDevices()
			exs, _ := wireRun(t, nil, Workload{Scenario: "crowd", VUs: len(devices), Duration: time.Minute,
				Program: pacedProgram(1, 0), Disguise: Disguise{Devices: devices, OwnDevices: c.own}})
			require.Len(t, exs, len(devices))
			seen := map[string]bool{}
			for _, ex := range exs {
				seen[ex.Fingerprint] = true
			}
			c.distinct(t, len(devices), len(seen), "distinct devices of %d people", len(devices))
		})
	}
}
