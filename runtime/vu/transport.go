package vu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
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

// newJar is a fresh cookie jar: one per session.
func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil) // never fails without options
	return jar
}

// sources holds one transport per source address, so connections of one
// identity are never reused by another.
type sources struct {
	mu sync.Mutex
	m  map[string]*http.Transport
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
	o := TransportOptions{Allow: r.allow, TLS: r.TLS, IdleConnTimeout: r.IdleConnTimeout, MaxIdlePerHost: r.Workers}
	if local != "" {
		o.LocalAddr = net.ParseIP(local)
	}
	t := NewTransportWith(o)
	s.m[local] = t
	return t
}

// closeIdle lets every idle connection go at the end of a run.
func (s *sources) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.m {
		t.CloseIdleConnections()
	}
}
