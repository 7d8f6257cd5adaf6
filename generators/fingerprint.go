package generators

import (
	"fmt"
	"net/http"
)

// userAgents are real browser and client strings an attacker rotates so
// that no device fingerprint sees more than a sliver of the attack.
var userAgents = [...]string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
	"okhttp/4.12.0",
	"python-requests/2.31.0",
	"curl/8.7.1",
}

// Rotation says how a program disguises where its requests come from.
// The harness only ever connects to loopback: a rotated address travels in
// X-Forwarded-For (which targets that trust it attribute to), and a device
// in User-Agent and X-Device-Id.
type Rotation struct {
	Addresses bool
	Devices   bool
}

// ParseRotation reads a scenario's "rotate" param: a comma-free list of
// "addresses", "devices", "both" or "none".
func ParseRotation(s string) (Rotation, error) {
	switch s {
	case "", "none":
		return Rotation{}, nil
	case "addresses":
		return Rotation{Addresses: true}, nil
	case "devices":
		return Rotation{Devices: true}, nil
	case "both":
		return Rotation{Addresses: true, Devices: true}, nil
	}
	return Rotation{}, fmt.Errorf("rotate=%q: want none, addresses, devices or both", s)
}

// Apply sets the disguise of attempt n (any counter that changes per
// request or per identity) on h.
func (r Rotation) Apply(h http.Header, n int) {
	if r.Addresses {
		// 198.18.0.0/15 is reserved for benchmarking: never a real client.
		h.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", (n/250)%256, 1+n%250))
	}
	if r.Devices {
		h.Set("User-Agent", userAgents[n%len(userAgents)])
		h.Set("X-Device-Id", fmt.Sprintf("dev-%08x", uint32(n)*2654435761))
	}
}
