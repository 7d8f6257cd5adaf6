package vu

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"
)

// ErrNotAllowed is returned (wrapped) for a connection to a host that is not
// on the allow-list: nothing is sent to it.
var ErrNotAllowed = fmt.Errorf("host not on the allow-list")

// NewTransport returns an HTTP transport that dials only the allowed hosts
// and only loopback addresses: the check is made where connections are
// dialled, so redirects and proxies cannot lead the harness elsewhere.
// allow holds "host:port" or bare host names; empty allows any loopback
// address.
func NewTransport(allow []string) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := checkAllowed(allow, addr); err != nil {
				return nil, err
			}
			host, port, _ := net.SplitHostPort(addr)
			ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, err
			}
			for _, ip := range ips {
				if !ip.IP.IsLoopback() {
					return nil, fmt.Errorf("dial %s: %s resolves to %s, which is not loopback: %w", addr, host, ip.IP, ErrNotAllowed)
				}
			}
			if len(ips) == 0 {
				return nil, fmt.Errorf("dial %s: no address for %s", addr, host)
			}
			return d.DialContext(ctx, network, net.JoinHostPort(ips[0].IP.String(), port))
		},
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

func checkAllowed(allow []string, addr string) error {
	if len(allow) == 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	if slices.Contains(allow, addr) || slices.Contains(allow, host) {
		return nil
	}
	return fmt.Errorf("dial %s: %w (allowed: %v)", addr, ErrNotAllowed, allow)
}
