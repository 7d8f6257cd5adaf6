package monitor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A sign-up counts under its /24, or its /64 for IPv6 however the address
// is written; an IPv4-mapped address under its IPv4 /24, not under one
// "::ffff" network shared by every IPv4 client.
func TestNetworkName(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"198.51.100.7", "198.51.100.0/24"},
		{"2001:db8:7:9:1::2", "2001:db8:7:9::/64"},
		{"2001:0db8:0007:0009:ffff:0:0:1", "2001:db8:7:9::/64"},
		{"2001:db8::1", "2001:db8::/64"},
		{"::ffff:198.51.100.7", "198.51.100.0/24"},
		{"fe80::1%eth0", "fe80::/64"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			assert.Equal(t, tt.want, networkName(tt.addr))
		})
	}
}
