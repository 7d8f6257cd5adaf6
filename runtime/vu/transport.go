package vu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotAllowed is returned (wrapped) for a connection to a host that is not
// on the allow-list: nothing is sent to it.
var ErrNotAllowed = errors.New("host not on the allow-list")

// RedirectRefusedError is a redirect the harness would not follow because
// its target is off the allow-list; it is refused before any connection to
// it is made, and the exchange records Location.
type RedirectRefusedError struct {
	Location string
}

func (e *RedirectRefusedError) Error() string {
	return fmt.Sprintf("redirect to %s refused: %v", e.Location, ErrNotAllowed)
}

// Unwrap makes errors.Is(err, ErrNotAllowed) hold.
func (e *RedirectRefusedError) Unwrap() error { return ErrNotAllowed }

// MaxRedirects bounds a redirect chain.
const MaxRedirects = 10

// TransportOptions configure NewTransportWith.
type TransportOptions struct {
	// Allow holds "host:port" or bare host names; empty allows any
	// loopback address. Every address must resolve to loopback.
	Allow []string
	// LocalAddr binds outgoing connections to this loopback address, so
	// the target sees a distinct peer per identity.
	LocalAddr net.IP
	// TLS configures HTTPS; certificates are verified unless it says
	// InsecureSkipVerify.
	TLS *tls.Config
	// IdleConnTimeout closes idle keep-alive connections; MaxIdlePerHost
	// bounds how many are kept.
	IdleConnTimeout time.Duration
	MaxIdlePerHost  int
}

// NewTransport returns an HTTP transport that dials only the allowed hosts
// and only loopback addresses: the check is made where connections are
// dialled, so redirects and proxies cannot lead the harness elsewhere.
// allow holds "host:port" or bare host names; empty allows any loopback
// address.
func NewTransport(allow []string) *http.Transport {
	return NewTransportWith(TransportOptions{Allow: allow})
}

// NewTransportWith is NewTransport with source binding, TLS and pooling
// options. It speaks HTTP/1.1 with keep-alive, and HTTP/2 over TLS.
func NewTransportWith(o TransportOptions) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if o.LocalAddr != nil {
		d.LocalAddr = &net.TCPAddr{IP: o.LocalAddr}
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = 30 * time.Second
	}
	if o.MaxIdlePerHost <= 0 {
		o.MaxIdlePerHost = DefaultWorkers
	}
	allow := o.Allow
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dialAllowed(ctx, d, allow, addr)
		},
		TLSClientConfig:       o.TLS,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   o.MaxIdlePerHost,
		IdleConnTimeout:       o.IdleConnTimeout,
		ResponseHeaderTimeout: 10 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
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

// newClient is a client over t that follows redirects only inside the
// allow-list, with jar as its cookie jar (nil: none).
func (r *Runner) newClient(t http.RoundTripper, jar http.CookieJar) *http.Client {
	allow := r.allow
	return &http.Client{
		Transport: t,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if err := checkAllowed(allow, hostPort(req.URL)); err != nil {
				return &RedirectRefusedError{Location: req.URL.String()}
			}
			if len(via) >= MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", MaxRedirects)
			}
			return nil
		},
	}
}

// sources holds one transport (and one lean pool) per source address, so
// connections of one identity are never reused by another.
type sources struct {
	mu      sync.Mutex
	m       map[string]*http.Transport
	pools   map[string]*h1Pool
	aborted atomic.Bool
}

func (r *Runner) transportOptions(local string) TransportOptions {
	o := TransportOptions{Allow: r.allow, TLS: r.TLS, IdleConnTimeout: r.IdleConnTimeout, MaxIdlePerHost: r.Workers}
	if local != "" {
		o.LocalAddr = net.ParseIP(local)
	}
	return o
}

// transport returns the transport binding to local ("" for the default
// address).
func (s *sources) transport(r *Runner, local string) *http.Transport {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.m[local]; ok {
		return t
	}
	if s.m == nil {
		s.m = map[string]*http.Transport{}
	}
	t := NewTransportWith(r.transportOptions(local))
	s.m[local] = t
	return t
}

// pool returns the lean pool binding to local.
func (s *sources) pool(r *Runner, local string, wall func() time.Time) *h1Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pools[local]; ok {
		return p
	}
	if s.pools == nil {
		s.pools = map[string]*h1Pool{}
	}
	p := newH1Pool(r.transportOptions(local), wall)
	if s.aborted.Load() {
		p.aborted.Store(true)
	}
	s.pools[local] = p
	return p
}

// closeIdle lets idle connections go: every one at the end of a run
// (all), or those idle past the timeout while it goes on.
func (s *sources) closeIdle(all bool) {
	s.mu.Lock()
	pools := make([]*h1Pool, 0, len(s.pools))
	for _, p := range s.pools {
		pools = append(pools, p)
	}
	if all {
		for _, t := range s.m {
			t.CloseIdleConnections()
		}
	}
	s.mu.Unlock()
	for _, p := range pools {
		p.closeIdle(all)
	}
}

// abort ends every lean request in flight: the grace period is over.
func (s *sources) abort() {
	s.aborted.Store(true)
	s.mu.Lock()
	pools := make([]*h1Pool, 0, len(s.pools))
	for _, p := range s.pools {
		pools = append(pools, p)
	}
	s.mu.Unlock()
	for _, p := range pools {
		p.abort()
	}
}
