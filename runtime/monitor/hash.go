package monitor

import (
	"encoding/binary"
	"math/bits"
)

// defaultSeed seeds a Monitor whose Config sets none, so the same events
// give the same decisions in every process: a simulated run is
// byte-identical for its plan's seed.
const defaultSeed = 0x9e37_79b9_7f4a_7c15

// hasher hashes keys with one seed per Monitor. It is a multiply-and-fold
// hash over eight bytes at a time (wyhash's mixing step), seeded from
// Config.Seed rather than hash/maphash's per-process random seed: the
// coverage sketches and tables key on these hashes, and a simulation must
// not depend on the process it runs in.
type hasher struct{ seed uint64 }

func newHasher(seed uint64) hasher {
	if seed == 0 {
		seed = defaultSeed
	}
	return hasher{seed: seed}
}

const (
	hashK0 = 0xa076_1d64_78bd_642f
	hashK1 = 0xe703_7ed1_a0b4_28db
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// key is s's hash, odd so that no key is zero; 0 for "" (absent).
func (h hasher) key(s string) uint64 {
	if s == "" {
		return 0
	}
	x := h.seed ^ uint64(len(s))*hashK1
	for ; len(s) >= 8; s = s[8:] {
		x = mix(x^binary.LittleEndian.Uint64([]byte(s[:8])), hashK0)
	}
	x = mix(x^tail(s), hashK0)
	return mix(x, hashK1^h.seed) | 1
}

// tail is the last 0-7 bytes of a key, little-endian, as a byte loop
// would pack them: two overlapping loads put each byte in its place.
func tail(s string) uint64 {
	switch n := len(s); {
	case n >= 4:
		lo := uint64(binary.LittleEndian.Uint32([]byte(s[:4])))
		hi := uint64(binary.LittleEndian.Uint32([]byte(s[n-4:])))
		return lo | hi<<(8*(n-4))
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<(8*(n/2)) | uint64(s[n-1])<<(8*(n-1))
	}
	return 0
}
