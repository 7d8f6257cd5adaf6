package guard

import (
	"hash/maphash"
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/abusegate/abusegate/scenarios"
)

// fingerprintHeaders are the headers a device sends the same way whatever
// its address or account, in the order fingerprint hashes their values
// (fingerprintKey gives each its place).
var fingerprintHeaders = []string{
	"User-Agent", "Accept-Language", "Accept-Encoding", "Accept",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Platform", "Sec-Ch-Ua-Mobile",
}

// deviceNames are the device headers (see deviceHeader) clients send most,
// in byte order, so fingerprint hashes the names a request carries in
// sorted order without sorting them: it notes which of these it carries,
// and sorts only the rare others (Sec-Ch-* and Sec-Fetch-* names not here).
var deviceNames = [...]string{
	"Accept", "Accept-Encoding", "Accept-Language", "Connection", "Dnt", "Priority",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
	"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
	"Te", "Upgrade-Insecure-Requests", "User-Agent",
}

// fingerprintKey is what fingerprint makes of header k: the index of its
// value in fingerprintHeaders and of its name in deviceNames, -1 for none.
func fingerprintKey(k string) (value, name int) {
	switch k {
	case "Accept":
		return 3, 0
	case "Accept-Encoding":
		return 2, 1
	case "Accept-Language":
		return 1, 2
	case "Connection":
		return -1, 3
	case "Dnt":
		return -1, 4
	case "Priority":
		return -1, 5
	case "Sec-Ch-Ua":
		return 4, 6
	case "Sec-Ch-Ua-Mobile":
		return 6, 7
	case "Sec-Ch-Ua-Platform":
		return 5, 8
	case "Sec-Fetch-Dest":
		return -1, 9
	case "Sec-Fetch-Mode":
		return -1, 10
	case "Sec-Fetch-Site":
		return -1, 11
	case "Sec-Fetch-User":
		return -1, 12
	case "Te":
		return -1, 13
	case "Upgrade-Insecure-Requests":
		return -1, 14
	case "User-Agent":
		return 0, 15
	}
	return -1, -1
}

// fingerprint names the client device: a hash of its User-Agent,
// Accept-Language, client hints and which client-configuration headers it
// sends (Dnt, Sec-Fetch-*, ...), the names hashed in sorted order.
// net/http does not keep the wire order of headers, so the name set stands
// in for their order; "" when the request carries none of them. One pass
// over the header map finds the values and the names; the name string
// comes from a small cache of recent fingerprints, so a device seen
// recently costs no allocation. A guard asks its deviceCache, which skips
// the hash for the devices it has seen.
func fingerprint(h http.Header) string {
	var buf [8]string
	var d device
	others := readDevice(h, &d, buf[:0])
	if d.none() {
		return ""
	}
	return d.name(others)
}

// device is what fingerprint reads of a request's headers, but for the
// rare ones deviceNames lacks, kept apart: a deviceCache keeps the values
// and would otherwise move the caller's buffer for them to the heap.
type device struct {
	vals  [7]string // fingerprintHeaders' first values, the User-Agent's correlation trimmed
	known uint32    // bit i: the request carries deviceNames[i]
	// corr and auth are the correlation header's and the Authorization
	// header's first values, read on the way: the guard's event needs
	// them too.
	corr, auth string
}

// readDevice reads h's device headers into d, zero, in one pass over the
// map, appending the rare ones deviceNames lacks to others (unsorted). It
// fills the caller's device rather than returning one: a device is some
// 150 bytes to copy.
func readDevice(h http.Header, d *device, others []string) []string {
	for k, v := range h {
		value, name := fingerprintKey(k)
		switch {
		case name >= 0: // a value header is a device name too
			d.known |= 1 << (uint(name) & 31)
			if value >= 0 && len(v) > 0 {
				d.vals[value] = v[0]
			}
		case k == scenarios.CorrelationHeader:
			if len(v) > 0 {
				d.corr = v[0]
			}
		case k == "Authorization":
			if len(v) > 0 {
				d.auth = v[0]
			}
		case otherDeviceHeader(k):
			others = append(others, k)
		}
	}
	d.vals[0] = trimCorrelation(d.vals[0], d.corr)
	return others
}

// none reports whether the request carries no device value: no
// fingerprint.
func (d *device) none() bool { return d.vals == [7]string{} }

// name hashes the device, with the other device headers it carries, into
// its fingerprint; it sorts others.
func (d *device) name(others []string) string {
	f := fnv64{h: fnvOffset}
	for _, v := range d.vals {
		f.add(v, 0)
	}
	slices.Sort(others)
	for known := d.known; known != 0; known &= known - 1 {
		k := deviceNames[bits.TrailingZeros32(known)]
		for len(others) > 0 && others[0] < k {
			f.add(others[0], 1)
			others = others[1:]
		}
		f.add(k, 1)
	}
	for _, k := range others {
		f.add(k, 1)
	}
	return fingerprintName(f.h >> 16)
}

// deviceCache remembers the fingerprints of the devices a guard has seen
// lately, so a device sending again costs the header scan and a look-up
// instead of hashing its User-Agent and the rest (about a tenth of the
// guard's and monitor's work per request). An entry is the device as read, every
// value compared on a look-up, so a hit is exactly the fingerprint the
// hash would give. Entries keep the header values of the requests that
// filled them rather than copies, so a miss allocates nothing beyond what
// the hash does; that is at most deviceWays*deviceSets requests' device
// headers kept alive. Requests carrying device headers deviceNames lacks
// (rare) skip the cache. Safe for concurrent use: a lock per set.
type deviceCache struct {
	seed maphash.Seed
	sets [deviceSets]deviceSet
}

const (
	deviceSets = 512
	deviceWays = 4
)

// deviceSet holds the devices whose User-Agent and header names hash to
// it, the oldest replaced first.
type deviceSet struct {
	mu   sync.Mutex
	ways [deviceWays]deviceEntry
	next uint8
}

type deviceEntry struct {
	vals  [7]string
	known uint32
	name  string // "" for an empty entry
}

func newDeviceCache() *deviceCache { return &deviceCache{seed: maphash.MakeSeed()} }

// fingerprint is the package's fingerprint of h, from the cache when it
// holds h's device, and h's correlation id and Authorization (their first
// values), which the scan finds on the way.
func (c *deviceCache) fingerprint(h http.Header) (name, corr, auth string) {
	var buf [8]string
	var d device
	others := readDevice(h, &d, buf[:0])
	if d.none() {
		return "", d.corr, d.auth
	}
	if len(others) > 0 {
		return d.name(others), d.corr, d.auth
	}
	set := &c.sets[(maphash.String(c.seed, d.vals[0])^uint64(d.known))%deviceSets]
	set.mu.Lock()
	for i := range set.ways {
		if e := &set.ways[i]; e.name != "" && e.known == d.known && e.vals == d.vals {
			name := e.name
			set.mu.Unlock()
			return name, d.corr, d.auth
		}
	}
	set.mu.Unlock()
	name = d.name(nil)
	set.mu.Lock()
	set.ways[set.next] = deviceEntry{vals: d.vals, known: d.known, name: name}
	set.next = (set.next + 1) % deviceWays
	set.mu.Unlock()
	return name, d.corr, d.auth
}

// fingerprintNames caches the names of recent fingerprints by their hash
// (direct-mapped, lock-free; a name is a pure function of its hash). Its
// 4,096 slots (32 KiB) hold the devices of a busy site at once, a few
// colliding: a simulation's 550 shoppers on their own devices missed
// nearly every time in 256, two allocations a request.
var fingerprintNames [4096]atomic.Pointer[fingerprintEntry]

type fingerprintEntry struct {
	sum  uint64
	name string
}

// fingerprintName is "fp-" and sum in hex.
func fingerprintName(sum uint64) string {
	slot := &fingerprintNames[(sum^sum>>12^sum>>24)%uint64(len(fingerprintNames))]
	if e := slot.Load(); e != nil && e.sum == sum {
		return e.name
	}
	var out [24]byte
	e := &fingerprintEntry{sum: sum, name: string(strconv.AppendUint(append(out[:0], "fp-"...), sum, 16))}
	slot.Store(e)
	return e.name
}

// fnv64 is an FNV-1a-style hash over strings taken eight bytes at a time
// (with a shift to mix the high bits down), without hash.Hash's interface
// and copies: a device name must be the same in every guard replica, so
// the seeded hashes of hash/maphash will not do.
type fnv64 struct{ h uint64 }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// add hashes s and then the separator byte sep.
func (f *fnv64) add(s string, sep byte) {
	h := f.h
	for ; len(s) >= 8; s = s[8:] {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ w) * fnvPrime
		h ^= h >> 32
	}
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	f.h = (h ^ uint64(sep)) * fnvPrime
}

// deviceHeader reports whether a header's presence says something about
// the client software rather than about one request (Content-Type,
// Authorization, Referer, X-* change from request to request).
func deviceHeader(k string) bool {
	switch k {
	case "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Dnt", "Upgrade-Insecure-Requests", "Te", "Priority", "User-Agent":
		return true
	}
	return otherDeviceHeader(k)
}

// otherDeviceHeader is deviceHeader of a name deviceNames lacks: every
// name deviceHeader lists is one of them.
func otherDeviceHeader(k string) bool {
	return strings.HasPrefix(k, "Sec-Ch-") || strings.HasPrefix(k, "Sec-Fetch-")
}

// trimCorrelation drops the per-request " ag/<id>" suffix the harness
// adds to its User-Agent (id is the correlation header's value), so one
// simulated device keeps one fingerprint.
func trimCorrelation(ua, id string) string {
	if id == "" {
		return ua
	}
	if rest, ok := strings.CutSuffix(ua, id); ok {
		if rest, ok := strings.CutSuffix(rest, " ag/"); ok {
			return rest
		}
	}
	return ua
}
