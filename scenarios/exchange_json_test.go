package scenarios

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AppendJSON writes encoding/json's bytes (runtime/vu's
// TestAppendExchangeIsJSON covers every field by reflection).
func TestExchangeAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		x    Exchange
	}{
		{"zero", Exchange{}},
		{"typical", Exchange{Scenario: "scraping", VU: 3, Actor: Attacker, Identity: "u<1>", Method: "GET", Path: "/p?a=1&b=\"2\"",
			Sent: time.Date(2026, 1, 1, 0, 0, 1, 5, time.UTC), Status: 200, Bytes: 42, Outcome: OutcomeSuccess, Leak: 3, Err: "x\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.x)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(tt.x.AppendJSON(nil)))
		})
	}
}
