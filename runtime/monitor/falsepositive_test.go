package monitor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// crowdAddr is person k's own address, as vu's Disguise.Sources hands them
// out: consecutive loopback addresses, a few hundred to a /24.
func crowdAddr(k int) string { return fmt.Sprintf("127.0.%d.%d", (k+2)/256, (k+2)%256) }

// TestShoppersOnABigCatalogsFirstPages is BenchmarkSimulatedRequest/served
// (cmd/abusegate) as events: 550 anonymous shoppers, each from an address
// and device of their own, re-read the first pages of a 20,000-item
// catalog and a few products, a request every 1-3 s. Nobody reads past
// those pages, so the catalog's end is never seen and what the monitor
// knows of it is a lower bound: the first pages. Before the scraping
// detector took a catalog without a seen end for a lower bound, it blocked
// a shopper within 14 simulated seconds ("pages holding 59 of the ~60-item
// catalog (98%)": 3 pages and 5 products counted as 8 distinct pages) and
// the bench served 3.9% of its requests. Nobody may be named:
//   - pages 1-3 of 20, as the bench: three pages are no evidence of
//     coverage whatever the catalog's size;
//   - pages 1-10 of 5: ten distinct pages each, all of the 50 items
//     anybody has read, which is only the catalog's least size; the pages
//     everybody reads are nobody's coverage.
func TestShoppersOnABigCatalogsFirstPages(t *testing.T) {
	for _, c := range []struct{ pages, size int }{{3, 20}, {10, 5}} {
		t.Run(fmt.Sprintf("pages-1-%d-of-%d", c.pages, c.size), func(t *testing.T) {
			const shoppers, catalog = 550, 20_000
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			rng := rand.New(rand.NewPCG(11, uint64(c.pages)))
			var evs []scenarios.Event
			for k := range shoppers {
				// The bench's shopper: a page, a product, a page, ...
				n := 0
				for sec := rng.Float64() * 3; sec < 300; sec += 1 + 2*rng.Float64() {
					n++
					ev := scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
						Addr: crowdAddr(k), Fingerprint: fmt.Sprintf("fp-own-%d", k)}
					if n%2 == 0 {
						ev.Path, ev.Bytes = fmt.Sprintf("/products/%d", 1+n%7), 24
					} else {
						p := 1 + n%c.pages
						ev.Path, ev.Bytes = fmt.Sprintf("/products?page=%d&limit=%d", p, c.size), pageBytes(p, c.size, catalog)
					}
					evs = append(evs, ev)
				}
			}
			slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
			m := New(shopSurface(), Config{})
			for _, ev := range evs {
				for _, d := range m.Observe(ev) {
					require.Failf(t, "a shopper was named", "%s at %s: %s: %s", d.Subject, d.Time.Sub(start), d.Detector, d.Reason)
				}
			}
			t.Logf("%d requests of %d shoppers over 5 minutes: nobody named", len(evs), shoppers)
		})
	}
}

// A lone reader that pages through a catalog nobody else reads is judged
// against what it alone revealed, a lower bound, and still contained at
// the floor of pages: the small-catalog scrape (generators/scraping's
// TestGuardedSmallCatalogIsBounded) has no one else to learn the size from.
// Beside a crowd re-reading the first pages, its own pages past theirs
// are first reads and count.
func TestLoneReaderOfAnUnendedCatalog(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, crowd := range []int{0, 50} {
		t.Run(fmt.Sprintf("crowd-%d", crowd), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(crowd)))
			var evs []scenarios.Event
			for k := range crowd {
				for sec, n := rng.Float64()*3, 0; sec < 600; sec += 1 + 2*rng.Float64() {
					n++
					p := 1 + n%3
					evs = append(evs, scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
						Path: fmt.Sprintf("/products?page=%d&limit=20", p), Bytes: pageBytes(p, 20, 600), Addr: crowdAddr(k), Fingerprint: fmt.Sprintf("fp-own-%d", k)})
				}
			}
			for p := 1; p <= 30; p++ {
				sec := 60 + float64(p)*(5+10*rng.Float64())
				evs = append(evs, scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
					Path: fmt.Sprintf("/products?page=%d&limit=20", p), Bytes: pageBytes(p, 20, 600), Addr: "10.66.0.7", Fingerprint: "fp-harvest"})
			}
			slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
			m := New(shopSurface(), Config{})
			var found []scenarios.Decision
			for _, ev := range evs {
				for _, d := range m.Observe(ev) {
					require.Equal(t, "10.66.0.7", d.Subject.Value, "%s: %s", d.Detector, d.Reason)
					found = append(found, d)
				}
			}
			require.NotEmpty(t, found, "the harvest must be contained")
			pages := 0
			for _, ev := range evs {
				if ev.Addr == "10.66.0.7" && !ev.Time.After(found[0].Time) {
					pages++
				}
			}
			t.Logf("at its page %d: %s: %s", pages, found[0].Detector, found[0].Reason)
			assert.Equal(t, ScrapingName, found[0].Detector)
			assert.LessOrEqual(t, pages, 10, "contained near the floor of pages, not at the end")
		})
	}
}

// TestPopularBrowserIsNotOneDevice is the folded variant of
// BenchmarkSimulatedRequest (cmd/abusegate) as events: 550 anonymous
// people, each from an address of their own, on vu's six default devices,
// a request every 1-3 s. A fingerprint is a hash of a browser build's
// headers, so ~92 people share each: ~2,750 requests a minute each, which
// the rate detector took for one device over its limit of 600 and
// throttled (every one of those people with it). Nobody may be named.
func TestPopularBrowserIsNotOneDevice(t *testing.T) {
	const people = 550
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(17, 1))
	var evs []scenarios.Event
	for k := range people {
		for sec := rng.Float64() * 3; sec < 180; sec += 1 + 2*rng.Float64() {
			evs = append(evs, scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
				Path: fmt.Sprintf("/products/%d", 1+rng.IntN(7)), Addr: crowdAddr(k), Fingerprint: fmt.Sprintf("fp-default-%d", k%6)})
		}
	}
	slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
	m := New(shopSurface(), Config{})
	for _, ev := range evs {
		for _, d := range m.Observe(ev) {
			require.Failf(t, "a person was named", "%s at %s: %s: %s", d.Subject, d.Time.Sub(start), d.Detector, d.Reason)
		}
	}
}

// A bot farm behind one fingerprint, through proxies each well under the
// address limit, is still one device: 20 addresses sending ~150 requests
// a minute each, ~3,000 together, about what each popular browser above
// sends. What tells it from a crowd is the requests per address behind
// the fingerprint, over a person's pace: the fingerprint is throttled.
func TestBotFarmBehindOneDeviceIsThrottled(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(19, 1))
	var evs []scenarios.Event
	for k := range 20 {
		for sec := rng.Float64(); sec < 180; sec += 0.2 + 0.4*rng.Float64() {
			evs = append(evs, scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
				Path: fmt.Sprintf("/products/%d", 1+rng.IntN(7)), Addr: fmt.Sprintf("198.51.100.%d", 10+k), Fingerprint: "fp-farm"})
		}
	}
	slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
	m := New(shopSurface(), Config{})
	var device []scenarios.Decision
	for _, ev := range evs {
		for _, d := range m.Observe(ev) {
			require.True(t, d.Subject.Value == "fp-farm" || strings.HasPrefix(d.Subject.Value, "198.51.100."), "%s: %s", d.Subject, d.Reason)
			assert.NotEqual(t, scenarios.SubjectAddress, d.Subject.Kind, "each address is under its limit: %s", d.Reason)
			if d.Detector == RateName && d.Subject.Kind == scenarios.SubjectFingerprint {
				device = append(device, d)
			}
		}
	}
	require.NotEmpty(t, device, "the farm's device must be throttled")
	assert.Equal(t, scenarios.ActionThrottle, device[0].Action)
	assert.Less(t, device[0].Time.Sub(start), 2*time.Minute, device[0].Reason)
	t.Logf("after %s: %s", device[0].Time.Sub(start), device[0].Reason)
}
