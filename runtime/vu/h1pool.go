package vu

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// h1Pool is the lean HTTP/1.1 client's keep-alive pool for one source
// address: requests are written and answers parsed on the calling
// goroutine (no reader and writer goroutines per connection, no
// per-request timer: deadlines on the connection), connections to every
// host are dialled through the allow-list like NewTransport's.
type h1Pool struct {
	dialer      net.Dialer
	allow       []string
	maxIdle     int
	idleTimeout time.Duration
	// wall gives the time of I/O deadlines and idle ages, which the
	// kernel measures on the wall clock whatever clock the run uses.
	wall func() time.Time

	mu      sync.Mutex
	idle    map[string][]*h1Conn
	live    map[*h1Conn]struct{}
	aborted atomic.Bool
}

// h1Conn is one keep-alive connection.
type h1Conn struct {
	c     net.Conn
	bw    *bufio.Writer
	p     h1Parser
	key   string
	local string // the source address the target sees
	used  time.Time
	reuse bool
}

func newH1Pool(o TransportOptions, wall func() time.Time) *h1Pool {
	p := &h1Pool{
		dialer:      net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second},
		allow:       o.Allow,
		maxIdle:     o.MaxIdlePerHost,
		idleTimeout: o.IdleConnTimeout,
		wall:        wall,
		idle:        map[string][]*h1Conn{},
		live:        map[*h1Conn]struct{}{},
	}
	if o.LocalAddr != nil {
		p.dialer.LocalAddr = &net.TCPAddr{IP: o.LocalAddr}
	}
	if p.maxIdle <= 0 {
		p.maxIdle = DefaultWorkers
	}
	if p.idleTimeout <= 0 {
		p.idleTimeout = 30 * time.Second
	}
	return p
}

// get returns an idle connection to addr ("host:port") for a request of
// method, or dials one (fresh forces a dial). A connection is probed
// before reuse, so one the server closed meanwhile is not used.
func (p *h1Pool) get(ctx context.Context, addr, method string, fresh bool) (*h1Conn, error) {
	if !fresh {
		now := p.wall()
		p.mu.Lock()
		for l := p.idle[addr]; len(l) > 0; l = p.idle[addr] {
			c := l[len(l)-1]
			l[len(l)-1] = nil
			p.idle[addr] = l[:len(l)-1]
			p.mu.Unlock()
			age := now.Sub(c.used)
			// A request that may not be retried always looks first; the
			// others only after a pause as long as the shortest idle
			// timeouts of servers (a retry covers the race), so a busy
			// connection costs no extra system call.
			quick := age < probeAfter && idempotent(method)
			if age < p.idleTimeout && c.p.br.Buffered() == 0 && (quick || alive(c.c)) {
				c.reuse = true
				return c, nil
			}
			p.discard(c)
			p.mu.Lock()
		}
		p.mu.Unlock()
	}
	nc, err := dialAllowed(ctx, &p.dialer, p.allow, addr)
	if err != nil {
		return nil, err
	}
	c := &h1Conn{c: nc, bw: bufio.NewWriterSize(nc, 4096), key: addr}
	c.p.br = bufio.NewReaderSize(nc, 8192)
	if host, _, err := net.SplitHostPort(nc.LocalAddr().String()); err == nil {
		c.local = host
	}
	p.mu.Lock()
	p.live[c] = struct{}{}
	aborted := p.aborted.Load()
	p.mu.Unlock()
	if aborted {
		p.discard(c)
		return nil, fmt.Errorf("dial %s: %w", addr, context.Canceled)
	}
	return c, nil
}

// put returns c to the idle list, or closes it past the idle bound.
func (p *h1Pool) put(c *h1Conn) {
	c.used = p.wall()
	p.mu.Lock()
	if l := p.idle[c.key]; len(l) < p.maxIdle && !p.aborted.Load() {
		p.idle[c.key] = append(l, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.discard(c)
}

// discard closes c for good.
func (p *h1Pool) discard(c *h1Conn) {
	_ = c.c.Close()
	p.mu.Lock()
	delete(p.live, c)
	p.mu.Unlock()
}

// closeIdle closes the idle connections (every one when all is set,
// otherwise those idle past the timeout), so paced VUs do not each hold
// one open.
func (p *h1Pool) closeIdle(all bool) {
	now := p.wall()
	var gone []*h1Conn
	p.mu.Lock()
	for k, l := range p.idle {
		kept := l[:0]
		for _, c := range l {
			if all || now.Sub(c.used) >= p.idleTimeout {
				gone = append(gone, c)
				continue
			}
			kept = append(kept, c)
		}
		clear(l[len(kept):])
		if len(kept) == 0 {
			delete(p.idle, k)
			continue
		}
		p.idle[k] = kept
	}
	p.mu.Unlock()
	for _, c := range gone {
		p.discard(c)
	}
}

// abort makes every request in flight fail now (the grace period after a
// cancel is over) and every later one fail before it is sent.
func (p *h1Pool) abort() {
	p.aborted.Store(true)
	past := time.Unix(1, 0)
	p.mu.Lock()
	for c := range p.live {
		_ = c.c.SetDeadline(past)
	}
	p.mu.Unlock()
	p.closeIdle(true)
}

// dialAllowed dials addr only if it is on the allow-list and resolves to
// loopback: the one place every connection of the harness is made.
func dialAllowed(ctx context.Context, d *net.Dialer, allow []string, addr string) (net.Conn, error) {
	if err := checkAllowed(allow, addr); err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
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
	return d.DialContext(ctx, "tcp", net.JoinHostPort(ips[0].IP.String(), port))
}

// alive reports whether c's peer has neither closed it nor sent anything
// unasked, with a non-blocking peek.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = true
	err = rc.Read(func(fd uintptr) bool {
		ok = peekOpen(fd)
		return true
	})
	return ok && err == nil
}

// probeAfter is how long a connection may sit idle before an idempotent
// request probes it.
const probeAfter = time.Second

// errStale is a reused connection that failed before any byte of the
// answer: the server had closed it.
var errStale = errors.New("connection closed by the server before answering")

// roundTrip writes req on c and reads the answer. stale reports an error
// before the first byte of the answer on a reused connection, which an
// idempotent request may retry on a fresh one.
func (c *h1Conn) roundTrip(req *wireRequest, limit int64, firstByte func()) (resp h1Response, stale bool, err error) {
	if err := c.c.SetDeadline(req.deadline); err != nil {
		return resp, false, err
	}
	writeRequest(c.bw, req)
	if err := c.bw.Flush(); err != nil {
		return resp, c.reuse, err
	}
	if _, err := c.p.br.Peek(1); err != nil {
		if c.reuse && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
			return resp, true, errStale
		}
		return resp, false, err
	}
	firstByte()
	resp, err = c.p.read(req.method, limit)
	return resp, false, err
}

// writeRequest serialises req in the order of its fields. The fields were
// validated when they were assembled.
func writeRequest(w *bufio.Writer, req *wireRequest) {
	w.WriteString(req.method)
	w.WriteByte(' ')
	w.WriteString(req.target)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(req.host)
	w.WriteString("\r\n")
	for _, f := range req.fields {
		w.WriteString(f.k)
		w.WriteString(": ")
		w.WriteString(f.v)
		w.WriteString("\r\n")
	}
	if req.body != nil || bodyMethod(req.method) {
		w.WriteString("Content-Length: ")
		var n [20]byte
		w.Write(strconv.AppendInt(n[:0], int64(len(req.body)), 10))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	w.Write(req.body)
}

// bodyMethod is a method whose request carries a body, so an empty one is
// announced with Content-Length: 0.
func bodyMethod(m string) bool { return m == "POST" || m == "PUT" || m == "PATCH" }

// idempotent methods (RFC 9110 section 9.2.2) may be sent again when a
// reused connection turns out closed; the others never are.
func idempotent(m string) bool {
	switch m {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}
