package vu

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With Networks every identity sends from a /24 of its own, and shares
// no address with a workload that has only Sources.
func TestNetworksPutEachIdentityInItsOwnPrefix(t *testing.T) {
	exs, w := wireRun(t, nil,
		Workload{Scenario: "apart", VUs: 3, Duration: time.Minute, Disguise: Disguise{Sources: true, Networks: true}, Program: pacedProgram(2, time.Second)},
		Workload{Scenario: "near", VUs: 2, Duration: time.Minute, Disguise: Disguise{Sources: true}, Program: pacedProgram(2, time.Second)},
	)
	prefixes := map[netip.Prefix]map[string]bool{} // /24 -> who sent from it
	for _, ex := range exs {
		host, _, err := net.SplitHostPort(w.get(ex).RemoteAddr)
		require.NoError(t, err)
		assert.Equal(t, host, ex.Addr, "the timeline records the address the target saw")
		ip := netip.MustParseAddr(host)
		require.True(t, ip.IsLoopback(), host)
		p := netip.PrefixFrom(ip, 24).Masked()
		if prefixes[p] == nil {
			prefixes[p] = map[string]bool{}
		}
		prefixes[p][ex.Scenario+"/"+string(rune('0'+ex.VU))] = true
	}
	near := netip.MustParsePrefix("127.0.0.0/24")
	assert.Len(t, prefixes[near], 2, "the two VUs with Sources only are neighbours: %v", prefixes)
	assert.Len(t, prefixes, 4, "each of the three Networks VUs has a /24 of its own: %v", prefixes)
	for p, who := range prefixes {
		if p != near {
			assert.Len(t, who, 1, "%s shared: %v", p, who)
		}
	}
}
