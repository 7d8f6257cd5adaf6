package harness

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// InProcess is an http.RoundTripper that calls an http.Handler directly:
// no socket, no goroutine, so a simulated run is one deterministic loop.
// It gives each VU the loopback address the network run would (one per
// identity for workloads disguised by source, 127.0.0.1 otherwise), tells
// the engine through its client trace, and answers with the handler's
// response.
type InProcess struct {
	Handler http.Handler
	// addrs maps a scenario to its first source index; absent scenarios
	// share 127.0.0.1.
	addrs map[string]int
}

// NewInProcess returns a transport to h; Bind tells it the workloads.
func NewInProcess(h http.Handler) *InProcess {
	return &InProcess{Handler: h, addrs: map[string]int{}}
}

// Bind gives the workloads' VUs their source addresses, as the network
// run would: call it before the run.
func (t *InProcess) Bind(loads []vu.Workload) {
	base := 0
	for _, w := range loads {
		n := w.Schedule.VUs
		n = max(n, w.Schedule.MaxVUs, w.VUs)
		for _, st := range w.Schedule.Stages {
			n = max(n, st.Target)
		}
		if w.Disguise.Sources {
			t.addrs[w.Scenario] = base
		}
		base += n
	}
}

// addr is the source address of the request's VU, from its correlation id
// "scenario-vu-seq".
func (t *InProcess) addr(corr string) string {
	i := strings.LastIndexByte(corr, '-')
	if i < 0 {
		return "127.0.0.1"
	}
	j := strings.LastIndexByte(corr[:i], '-')
	if j < 0 {
		return "127.0.0.1"
	}
	base, ok := t.addrs[corr[:j]]
	if !ok {
		return "127.0.0.1"
	}
	n, err := strconv.Atoi(corr[j+1 : i])
	if err != nil {
		return "127.0.0.1"
	}
	return vu.SourceAddr(base + n).String()
}

// RoundTrip implements http.RoundTripper.
func (t *InProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	addr := t.addr(req.Header.Get(scenarios.CorrelationHeader))
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: fakeConn{local: &net.TCPAddr{IP: net.ParseIP(addr), Port: 40000}}})
	}
	sreq := req.Clone(req.Context())
	sreq.RemoteAddr = addr + ":40000"
	sreq.RequestURI = req.URL.RequestURI()
	sreq.Host = req.URL.Host
	if req.Body == nil {
		sreq.Body = http.NoBody
	}
	w := &response{header: http.Header{}}
	t.Handler.ServeHTTP(w, sreq)
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.GotFirstResponseByte != nil {
		trace.GotFirstResponseByte()
	}
	return &http.Response{
		Status: strconv.Itoa(w.code) + " " + http.StatusText(w.code), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()), Request: req,
	}, nil
}

// response is a minimal http.ResponseWriter.
type response struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *response) Header() http.Header { return w.header }
func (w *response) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *response) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(p)
}

// fakeConn only answers LocalAddr, for the engine's client trace.
type fakeConn struct {
	net.Conn
	local net.Addr
}

func (c fakeConn) LocalAddr() net.Addr { return c.local }
