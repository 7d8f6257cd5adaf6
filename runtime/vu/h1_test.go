package vu

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// counted is an httptest target that counts the connections it accepted.
func counted(t *testing.T, h http.HandlerFunc) (*url.URL, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u, &conns
}

// rawServer is a loopback TCP target that runs serve on every connection,
// for answers net/http's server would never give.
func rawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				serve(c, bufio.NewReader(c))
			})
		}
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}
}

// readHead reads one request head (its lines) and its body.
func readHead(br *bufio.Reader) ([]string, []byte, error) {
	var lines []string
	n := 0
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		lines = append(lines, l)
		if k, v, ok := strings.Cut(l, ": "); ok && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, n)
	_, err := io.ReadFull(br, body)
	return lines, body, err
}

// script is a Program sending reqs in turn, keeping a copy of every
// result; before request i it calls between(i) when set.
type script struct {
	reqs    []scenarios.Request
	results []scenarios.Result
	between func(i int)
	i       int
}

func (s *script) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil {
		s.results = append(s.results, keep(prev))
	}
	if s.i == len(s.reqs) {
		return scenarios.Step{}, false
	}
	if s.between != nil {
		s.between(s.i)
	}
	s.i++
	return scenarios.Step{Request: s.reqs[s.i-1]}, true
}

func runScript(t *testing.T, r *Runner, s *script) []scenarios.Exchange {
	t.Helper()
	var rec Recorder
	load := Workload{Scenario: "s", VUs: 1, Duration: time.Minute, Program: func(int) (scenarios.Program, error) { return s, nil }}
	require.NoError(t, r.Run(t.Context(), []Workload{load}, &rec))
	return rec.Exchanges()
}

func req(method, path string, body string) scenarios.Request {
	r := scenarios.Request{Method: method, Path: path}
	if body != "" {
		r.Body = []byte(body)
	}
	return r
}

// TestLeanMatchesNetHTTP sends the same requests over both clients to
// net/http's server: same statuses, bodies and headers, and the lean one
// keeps a single connection alive through all of them.
func TestLeanMatchesNetHTTP(t *testing.T) {
	big := strings.Repeat("0123456789", 300)
	h := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			for i := range 3 {
				_, _ = w.Write([]byte("part" + strconv.Itoa(i) + ";"))
				w.(http.Flusher).Flush()
			}
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/cached":
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		case "/big":
			_, _ = w.Write([]byte(big))
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(append([]byte(r.URL.RequestURI()+" "), b...))
		case "/redirect":
			http.Redirect(w, r, "/echo?from=redirect", http.StatusSeeOther)
		case "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s 1", Path: "/"})
		case "/whoami":
			c, _ := r.Cookie("sid")
			if c != nil {
				_, _ = w.Write([]byte(c.Value))
			}
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}
	reqs := []scenarios.Request{
		req("GET", "/", ""), req("GET", "/chunked", ""), req("GET", "/empty", ""), req("GET", "/cached", ""),
		req("HEAD", "/big", ""), req("GET", "/big", ""), req("POST", "/echo?q=1&r=%20x", "payload"),
		req("DELETE", "/echo", ""), req("POST", "/redirect", "dropped"), req("GET", "/cookie", ""),
		req("GET", "/whoami", ""), req("GET", "/a%2Fb/../echo", ""),
	}
	type outcome struct {
		status int
		body   string
		hdr    []string
	}
	results := map[ClientKind][]outcome{}
	for _, kind := range []ClientKind{NetHTTP, AutoHTTP} {
		u, conns := counted(t, h)
		s := &script{reqs: reqs}
		exs := runScript(t, &Runner{Target: u, HTTP: kind}, s)
		require.Len(t, exs, len(reqs))
		for i, res := range s.results {
			require.NoError(t, res.Err, reqs[i].Path)
			results[kind] = append(results[kind], outcome{res.Status, string(res.Body),
				[]string{res.Header.Get("Content-Type"), res.Header.Get("X-Method"), strings.Join(res.Header.Values("X-Multi"), ","), res.Header.Get("ETag")}})
		}
		if kind == AutoHTTP {
			assert.Equal(t, int64(1), conns.Load(), "one keep-alive connection for every request")
		}
	}
	assert.Equal(t, results[NetHTTP], results[AutoHTTP])
	lean := results[AutoHTTP]
	assert.Equal(t, "part0;part1;part2;", lean[1].body)
	assert.Empty(t, lean[4].body, "HEAD has no body")
	assert.Equal(t, "/echo?q=1&r=%20x payload", lean[6].body)
	assert.Equal(t, "/echo?from=redirect ", lean[8].body, "303 turns the POST into a body-less GET")
	assert.Equal(t, "GET", lean[8].hdr[1])
	assert.Equal(t, "s 1", lean[10].body, "the session's cookie is sent back")
}

func TestLeanTruncatesAtTheReadLimitAndDropsTheConnection(t *testing.T) {
	body := strings.Repeat("x", 10_000)
	u, conns := counted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			_, _ = w.Write([]byte(body[:5000]))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(body[5000:]))
			return
		}
		_, _ = w.Write([]byte(body))
	})
	s := &script{reqs: []scenarios.Request{req("GET", "/", ""), req("GET", "/chunked", ""), req("GET", "/", "")}}
	exs := runScript(t, &Runner{Target: u, ReadLimit: 1000}, s)
	require.Len(t, exs, 3)
	for i, ex := range exs {
		assert.Equal(t, http.StatusOK, ex.Status)
		assert.Equal(t, int64(1000), ex.Bytes)
		assert.Equal(t, body[:1000], string(s.results[i].Body))
	}
	assert.Equal(t, int64(3), conns.Load(), "a connection whose body was not read to its end is not reused")
}

// TestLeanServerClosingConnections: a connection the server closed while
// idle is not reused (any method); one it closed after reading a request
// is retried once on a fresh connection for an idempotent method, never
// for another.
func TestLeanServerClosingConnections(t *testing.T) {
	t.Run("closed while idle", func(t *testing.T) {
		var srv *httptest.Server
		var conns atomic.Int64
		srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		u, err := url.Parse(srv.URL)
		require.NoError(t, err)
		s := &script{reqs: []scenarios.Request{req("GET", "/", ""), req("POST", "/", "a"), req("POST", "/", "b"), req("GET", "/", "")},
			between: func(i int) {
				if i > 0 {
					srv.CloseClientConnections()
				}
			}}
		exs := runScript(t, &Runner{Target: u}, s)
		require.Len(t, exs, 4)
		for _, ex := range exs {
			assert.Equal(t, http.StatusOK, ex.Status, ex.Err)
		}
		assert.Equal(t, int64(4), conns.Load())
	})
	t.Run("closed after reading the request", func(t *testing.T) {
		var mu sync.Mutex
		var seen []string
		u := rawServer(t, func(c net.Conn, br *bufio.Reader) {
			for n := 0; ; n++ {
				lines, _, err := readHead(br)
				if err != nil {
					return
				}
				mu.Lock()
				seen = append(seen, lines[0])
				mu.Unlock()
				if n == 1 {
					return // the second request on a connection is read, never answered
				}
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}
		})
		s := &script{reqs: []scenarios.Request{req("GET", "/1", ""), req("GET", "/2", ""), req("POST", "/3", "x")}}
		exs := runScript(t, &Runner{Target: u}, s)
		require.Len(t, exs, 3)
		assert.Equal(t, http.StatusOK, exs[0].Status)
		assert.Equal(t, http.StatusOK, exs[1].Status, "the GET is sent again on a fresh connection: %s", exs[1].Err)
		assert.Equal(t, scenarios.OutcomeError, exs[2].Outcome)
		assert.Contains(t, exs[2].Err, "not idempotent")
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, []string{"GET /1 HTTP/1.1", "GET /2 HTTP/1.1", "GET /2 HTTP/1.1", "POST /3 HTTP/1.1"}, seen,
			"the POST was sent once")
	})
}

func TestLeanMalformedResponses(t *testing.T) {
	tests := []struct {
		name, answer, err string
		status            int
	}{
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", "bad status line", 0},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", "bad status code", 0},
		{"header without colon", "HTTP/1.1 200 OK\r\nBroken\r\n\r\n", "without a name and colon", 0},
		{"folded header", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n\r\n", "obsolete line folding", 0},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "bad Content-Length", 200},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "conflicting Content-Length", 200},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size", 200},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "unexpected EOF", 200},
		{"closed before answering", "", "EOF", 0},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", "101", 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := rawServer(t, func(c net.Conn, br *bufio.Reader) {
				if _, _, err := readHead(br); err == nil {
					_, _ = io.WriteString(c, tt.answer)
				}
			})
			s := &script{reqs: []scenarios.Request{req("GET", "/", "")}}
			exs := runScript(t, &Runner{Target: u}, s)
			require.Len(t, exs, 1)
			assert.Equal(t, tt.status, exs[0].Status)
			assert.Contains(t, exs[0].Err, tt.err)
			require.Error(t, s.results[0].Err)
		})
	}
}

// TestDeviceHeaderOrderOnTheWire reads the request head as bytes: the
// device's header order (User-Agent where the device lists it), then the
// geo's, the Program's and the correlation header.
func TestDeviceHeaderOrderOnTheWire(t *testing.T) {
	heads := make(chan []string, 1)
	u := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		lines, _, err := readHead(br)
		if err != nil {
			return
		}
		heads <- lines
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	dev := Device{Name: "chrome-h1", UserAgent: "Mozilla/5.0 Test", Headers: [][2]string{
		{"sec-ch-ua", `"Chromium";v="124"`}, {"sec-ch-ua-mobile", "?0"}, {"User-Agent", ""},
		{"Accept", "*/*"}, {"Sec-Fetch-Site", "same-origin"}, {"Accept-Language", "en-US"},
	}}
	load := Workload{Scenario: "order", VUs: 1, Duration: time.Minute,
		Disguise: Disguise{Devices: []Device{dev}, Geos: []Geo{{AcceptLanguage: "de-DE"}}},
		Program: func(int) (scenarios.Program, error) {
			return &script{reqs: []scenarios.Request{{Method: "POST", Path: "/login", Body: []byte("{}"),
				Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}}}}, nil
		}}
	var rec Recorder
	require.NoError(t, (&Runner{Target: u}).Run(t.Context(), []Workload{load}, &rec))
	lines := <-heads
	var names []string
	for _, l := range lines[1:] {
		k, _, _ := strings.Cut(l, ":")
		names = append(names, k)
	}
	assert.Equal(t, []string{"Host", "sec-ch-ua", "sec-ch-ua-mobile", "User-Agent", "Sec-Fetch-Site", "Accept-Language",
		"Accept", "Content-Type", scenarios.CorrelationHeader, "Content-Length"}, names)
	assert.Contains(t, lines, "Accept-Language: de-DE", "the geo overrides the device in place")
	assert.Contains(t, lines, "User-Agent: Mozilla/5.0 Test ag/order-0-0")
	assert.Equal(t, "POST /login HTTP/1.1", lines[0])
}

func TestLeanRefusesOffListHostsAndBadHeaders(t *testing.T) {
	var hits atomic.Int64
	u := target(t, func(http.ResponseWriter, *http.Request) { hits.Add(1) })
	elsewhere := target(t, func(http.ResponseWriter, *http.Request) { hits.Add(1) })
	s := &script{reqs: []scenarios.Request{
		req("GET", elsewhere.String()+"/x", ""),
		{Method: "GET", Path: "/", Header: http.Header{"X-Evil": {"a\r\nX-Injected: 1"}}},
		req("GE T", "/", ""),
	}}
	exs := runScript(t, &Runner{Target: u}, s)
	require.Len(t, exs, 3)
	assert.Contains(t, exs[0].Err, "allow-list")
	assert.Contains(t, exs[1].Err, "control character")
	assert.Contains(t, exs[2].Err, "invalid method")
	assert.Zero(t, hits.Load(), "nothing was sent")
}
