package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestContainedAt(t *testing.T) {
	tests := []struct {
		name      string
		xs        []scenarios.Exchange
		max       float64
		contained bool
		atSec     int
	}{
		{name: "empty", xs: nil},
		{name: "only successes", xs: series(0, "sssss", 1)},
		{name: "denied from the start", xs: series(0, "ddddd", 0), contained: true, atSec: 0},
		{name: "denied after successes", xs: series(0, "sssddddd", 1), contained: true, atSec: 3},
		{name: "failures do not count as successes", xs: series(0, "ssdfdfdf", 1), contained: true, atSec: 2},
		{name: "resumed then denied again", xs: series(0, "sssdddsssdddddd", 1), contained: true, atSec: 9},
		{name: "resumed and never denied again", xs: series(0, "sssdddsss", 1)},
		{name: "one success right after the first denial", xs: series(0, "ssdsdddddd", 1), contained: true, atSec: 4},
		{
			name: "sporadic success after enough denials is tolerated",
			xs:   series(0, "ss"+repeat("d", 20)+"s", 1), contained: true, atSec: 2,
		},
		{
			name: "a rate exactly at max_success is not below it",
			xs:   series(0, "ss"+repeat("d", 19)+"s", 1),
		},
		{name: "a trailing success after one denial", xs: series(0, "ssds", 1)},
		{name: "a higher max_success tolerates more", xs: series(0, "ssdsddd", 1), max: 0.6, contained: true, atSec: 2},
		{
			name: "concurrent exchanges at one instant are judged together",
			xs: []scenarios.Exchange{
				attack(0, scenarios.OutcomeSuccess, 1),
				attack(1000, scenarios.OutcomeDenied, 0),
				attack(1000, scenarios.OutcomeSuccess, 1),
				attack(2000, scenarios.OutcomeDenied, 0),
				attack(3000, scenarios.OutcomeDenied, 0),
			},
			contained: true, atSec: 2,
		},
		{
			name: "input order does not matter",
			xs: []scenarios.Exchange{
				attack(3000, scenarios.OutcomeDenied, 0),
				attack(0, scenarios.OutcomeSuccess, 1),
				attack(2000, scenarios.OutcomeDenied, 0),
			},
			contained: true, atSec: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = DefaultMaxSuccess
			}
			got, ok := containedAt(tt.xs, max)
			assert.Equal(t, tt.contained, ok)
			if tt.contained {
				assert.Equal(t, at(tt.atSec*1000), got)
			} else {
				assert.True(t, got.IsZero())
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"microseconds", 300 * time.Microsecond, "300µs"},
		{"milliseconds", 7 * time.Millisecond, "7ms"},
		{"sub-second", 410 * time.Millisecond, "0.41s"},
		{"seconds", 2300 * time.Millisecond, "2.3s"},
		{"whole seconds", 5 * time.Second, "5s"},
		{"minutes", 72500 * time.Millisecond, "1m12.5s"},
		{"hours", 2*time.Hour + 3*time.Minute + 4400*time.Millisecond, "2h3m4s"},
		{"negative", -1500 * time.Millisecond, "-1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FormatDuration(tt.d))
		})
	}
}
