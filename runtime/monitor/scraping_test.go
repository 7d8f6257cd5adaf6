package monitor

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// The scraping detector's cluster rules name every client they found, each
// as the subject it was scored as: an account by its username, an
// anonymous client by its address. They named them all with the kind of
// the read that tipped the rule, so a device shared by accounts and an
// anonymous client, tipped by the anonymous one, blocked
// {address: "acct00"}: a subject no request ever carries (the account
// went on) and a username written where an address belongs.
//   - device: two accounts and one anonymous client on one device of one
//     /24 crawl a large catalog together, each page once (the device
//     cluster, no Bytes: the catalog's size is unknown).
//   - network: ten anonymous clients of one /24 crawl a 30-page catalog,
//     each page once, beside logged-in shoppers of the same /24 (the prefix
//     cluster, which takes anonymous clients only).
//
// Whoever tips the rule (the variants rotate who reads first), every
// address subject must be an address and every identity subject an
// account.
func TestScrapingClusterSubjectsKeepTheirKind(t *testing.T) {
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	type reader struct{ identity, addr string }
	device := []reader{{"acct00", "10.7.0.1"}, {"acct01", "10.7.0.2"}, {"", "10.7.0.3"}}
	var network []reader
	for i := range 10 {
		network = append(network, reader{"", fmt.Sprintf("10.8.0.%d", 10+i)})
	}
	tests := []struct {
		name    string
		readers []reader
		pages   int
		bytes   bool
		// shoppers of the same /24 logged in, reading popular pages.
		shoppers int
		want     int // subjects the finding must name at least
	}{
		{"device, anonymous client last", device, 600, false, 0, 3},
		{"device, anonymous client first", rotate(device, 2), 600, false, 0, 3},
		{"device, anonymous client between", rotate(device, 1), 600, false, 0, 3},
		{"network beside logged-in shoppers", network, 30, true, 5, 8},
		{"network, another order", rotate(network, 5), 30, true, 5, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, uint64(len(tt.name))))
			m := New(shopSurface(), Config{})
			sec := 0.0
			var found []scenarios.Decision
			for p := 1; p <= tt.pages; p++ {
				r := tt.readers[(p-1)%len(tt.readers)]
				ev := pageRead(start, sec, p, 600, tt.bytes)
				ev.Addr, ev.Fingerprint = r.addr, "fp-shared-device"
				if r.identity != "" {
					ev.Identity, ev.TokenID = r.identity, "tok-"+r.identity
				}
				found = append(found, scrapingOf(m.Observe(ev))...)
				if p <= tt.shoppers*4 {
					k := p % max(tt.shoppers, 1)
					u := fmt.Sprintf("shopper%02d", k)
					ev := pageRead(start, sec+0.5, 1+rng.IntN(3), 600, tt.bytes)
					ev.Identity, ev.TokenID, ev.Addr, ev.Fingerprint = u, "tok-"+u, fmt.Sprintf("10.8.0.%d", 100+k), fmt.Sprintf("fp-browser-%d", k)
					found = append(found, scrapingOf(m.Observe(ev))...)
				}
				// Irregular gaps, as people's: the timer rule stays out.
				sec += 1 + rng.Float64()*20
			}
			require.GreaterOrEqual(t, len(found), tt.want, "the crawl must be found")
			for _, d := range found {
				switch d.Subject.Kind {
				case scenarios.SubjectAddress:
					_, err := netip.ParseAddr(d.Subject.Value)
					assert.NoError(t, err, "an address subject must be an address: %+v (%s)", d.Subject, d.Reason)
				case scenarios.SubjectIdentity:
					assert.True(t, strings.HasPrefix(d.Subject.Value, "acct"), "an identity subject must be a crawling account: %+v (%s)", d.Subject, d.Reason)
				}
				assert.NotContains(t, d.Subject.Value, "shopper", "a logged-in shopper is not the crawl: %s", d.Reason)
			}
		})
	}
}

// pageRead is an anonymous read at sec of page p of 20 from a catalog of
// items, with the answer's bytes when withBytes.
func pageRead(start time.Time, sec float64, p, items int, withBytes bool) scenarios.Event {
	ev := scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
		Path: fmt.Sprintf("/products?page=%d&limit=20", p)}
	if withBytes {
		ev.Bytes = pageBytes(p, 20, items)
	}
	return ev
}

func scrapingOf(ds []scenarios.Decision) []scenarios.Decision {
	var out []scenarios.Decision
	for _, d := range ds {
		if d.Detector == ScrapingName {
			out = append(out, d)
		}
	}
	return out
}

func rotate[T any](xs []T, n int) []T {
	return append(append([]T(nil), xs[n:]...), xs[:n]...)
}

// The sketches keep their count of set bits as bits are set and windows
// roll; their estimates must be what counting the bitmaps gives.
func TestSketchesCountTheirBits(t *testing.T) {
	recount := func(cur, prev []uint64) float64 {
		set := 0
		for i := range cur {
			set += bits.OnesCount64(cur[i] | prev[i])
		}
		return linearEstimate(len(cur)*64, set)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const window = int64(time.Minute)
	var small smallSketch
	var big bigSketch
	now := int64(1)
	for i := range 20_000 {
		// Mostly reads within a window, now and then one or two windows on.
		now += rng.Int64N(window / 50)
		if i%997 == 0 {
			now += window * rng.Int64N(3)
		}
		small.roll(now, window)
		big.roll(now, window)
		item := rng.Uint64() | 1
		small.add(item)
		big.add(item)
		require.Equal(t, recount(small.cur[:], small.prev[:]), small.distinct(), "small sketch, read %d", i)
		require.Equal(t, recount(big.cur[:], big.prev[:]), big.distinct(), "big sketch, read %d", i)
	}
}

// TestClusterMemberComparesSubjects pins that a member found by its key
// is confirmed by its subject: two subjects whose keys collide are two
// members.
func TestClusterMemberComparesSubjects(t *testing.T) {
	var c cluster
	alice, addr := subj(scenarios.SubjectIdentity, "alice"), subj(scenarios.SubjectAddress, "alice")
	c.join(7, alice)
	assert.True(t, c.member(7, alice))
	assert.False(t, c.member(7, addr), "same key, another subject")
	c.join(7, addr)
	assert.True(t, c.member(7, addr))
	assert.Equal(t, []scenarios.Subject{alice, addr}, c.members)
}
