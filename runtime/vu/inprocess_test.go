package vu

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// echo answers with what a server would see of the request.
type echo struct{ remotes map[string]int }

func (h *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.remotes[r.RemoteAddr]++
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/login":
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s-" + string(body)})
		w.WriteHeader(http.StatusNoContent)
	case "/moved":
		http.Redirect(w, r, "/echo?from=moved", http.StatusFound)
	default:
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Query", r.URL.Query().Get("q"))
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Host", r.Host)
		_, _ = io.WriteString(w, r.Header.Get(scenarios.CorrelationHeader)+"|"+string(body))
	}
}

// kept sends its requests in order, keeping a copy of every result.
type kept struct {
	reqs []scenarios.Request
	got  *[]scenarios.Result
}

// keep is a copy of res a Program may hold past its next Next: the
// executor reuses the header map and body buffer (scenarios.Result).
func keep(res *scenarios.Result) scenarios.Result {
	out := *res
	out.Header, out.Body = res.Header.Clone(), bytes.Clone(res.Body)
	return out
}

func (s *kept) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil {
		*s.got = append(*s.got, keep(prev))
	}
	if len(s.reqs) == 0 {
		return scenarios.Step{}, false
	}
	r := s.reqs[0]
	s.reqs = s.reqs[1:]
	return scenarios.Step{Request: r}, true
}

// A Runner's Handler serves requests in process as a server would see
// them: method, query, body, host, the identity's source address, the
// session's cookies, redirects followed; the answer reaches the Program
// and the exchange is recorded.
func TestRunnerHandler(t *testing.T) {
	h := &echo{remotes: map[string]int{}}
	var got []scenarios.Result
	load := Workload{Scenario: "inproc", VUs: 2, Duration: time.Minute, Disguise: Disguise{Sources: true},
		Program: func(int) (scenarios.Program, error) {
			return &kept{got: &got, reqs: []scenarios.Request{
				{Method: http.MethodPost, Path: "/login", Body: []byte("alice")},
				{Method: http.MethodPut, Path: "/echo?q=a%20b", Body: []byte("payload")},
				{Method: http.MethodGet, Path: "/moved"},
			}}, nil
		}}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "shop.test"}, Handler: h, Clock: NewSimClock(epoch)}
	var rec Recorder
	require.NoError(t, r.Run(context.Background(), []Workload{load}, &rec))

	require.Len(t, got, 6)
	put := got[1]
	assert.Equal(t, http.StatusOK, put.Status)
	assert.Equal(t, "PUT", put.Header.Get("X-Method"))
	assert.Equal(t, "a b", put.Header.Get("X-Query"))
	assert.Equal(t, "sid=s-alice", put.Header.Get("X-Cookie"))
	assert.Equal(t, "shop.test", put.Header.Get("X-Host"))
	assert.Equal(t, "inproc-0-1|payload", string(put.Body))
	moved := got[2]
	assert.Equal(t, http.StatusOK, moved.Status, "the redirect is followed")
	assert.Equal(t, "GET", moved.Header.Get("X-Method"))
	assert.Equal(t, "inproc-0-2|", string(moved.Body))
	assert.Equal(t, "inproc-1-1|payload", string(got[4].Body), "the second VU's own answer")
	assert.Equal(t, "inproc-0-1|payload", string(put.Body), "an answer the Program kept is not overwritten")

	assert.Equal(t, map[string]int{SourceAddr(0).String() + ":40000": 4, SourceAddr(1).String() + ":40000": 4}, h.remotes,
		"each identity from its own source address (the redirect is a second request)")
	exs := rec.Exchanges()
	require.Len(t, exs, 6)
	for _, ex := range exs {
		assert.Equal(t, SourceAddr(ex.VU).String(), ex.Addr)
		assert.Equal(t, epoch, ex.Sent, "no simulated time passes in process")
	}
}

// A body past the read limit is cut there, as the network client cuts it.
func TestRunnerHandlerReadLimit(t *testing.T) {
	var got []scenarios.Result
	big := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 10 {
			_, _ = w.Write(make([]byte, 100))
		}
	})
	load := Workload{Scenario: "big", VUs: 1, Duration: time.Minute,
		Program: func(int) (scenarios.Program, error) {
			return &kept{got: &got, reqs: []scenarios.Request{{Method: http.MethodGet, Path: "/"}}}, nil
		}}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "shop.test"}, Handler: big, Clock: NewSimClock(epoch), ReadLimit: 250}
	var rec Recorder
	require.NoError(t, r.Run(context.Background(), []Workload{load}, &rec))
	require.Len(t, got, 1)
	assert.Len(t, got[0].Body, 250)
}

// A VU's answers reuse its header map and body buffer, yet each answer
// the Program is handed is that request's alone: no header of an earlier
// answer stays, an empty body is empty (not nil), a long one whole.
func TestRunnerHandlerAnswersApart(t *testing.T) {
	long := strings.Repeat("x", maxReusedBody+1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			w.Header().Set("X-A", "1")
			_, _ = io.WriteString(w, "answer a")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/long":
			_, _ = io.WriteString(w, long)
		}
	})
	var got []scenarios.Result
	paths := []string{"/a", "/empty", "/long", "/a", "/long", "/empty"}
	load := Workload{Scenario: "apart", VUs: 1, Duration: time.Minute,
		Program: func(int) (scenarios.Program, error) {
			var reqs []scenarios.Request
			for _, p := range paths {
				reqs = append(reqs, scenarios.Request{Method: http.MethodGet, Path: p})
			}
			return &kept{got: &got, reqs: reqs}, nil
		}}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "shop.test"}, Handler: h, Clock: NewSimClock(epoch)}
	var rec Recorder
	require.NoError(t, r.Run(context.Background(), []Workload{load}, &rec))
	require.Len(t, got, len(paths))
	for i, p := range paths {
		res := got[i]
		switch p {
		case "/a":
			assert.Equal(t, http.Header{"X-A": {"1"}}, res.Header, "answer %d", i)
			assert.Equal(t, "answer a", string(res.Body), "answer %d", i)
		case "/empty":
			assert.Equal(t, http.StatusNoContent, res.Status, "answer %d", i)
			assert.Empty(t, res.Header, "answer %d", i)
			assert.NotNil(t, res.Body, "answer %d", i)
			assert.Empty(t, res.Body, "answer %d", i)
		case "/long":
			assert.Empty(t, res.Header, "answer %d", i)
			assert.Equal(t, long, string(res.Body), "answer %d", i)
		}
	}
}

// An answer's buffer is kept for the next one unless it grew past
// maxReusedBody; drop lets the last answer go and keeps the empty map.
func TestAnswerBuf(t *testing.T) {
	var a answerBuf
	h := a.reset()
	h.Set("X-A", "1")
	a.keep(make([]byte, 10, maxReusedBody))
	assert.Equal(t, maxReusedBody, cap(a.body))
	a.keep(make([]byte, 10, maxReusedBody+1))
	assert.Nil(t, a.body, "a large buffer is not held")
	assert.Empty(t, a.reset(), "reset empties the map")
	a.reset().Set("X-B", "2")
	a.keep(make([]byte, 10))
	a.drop()
	assert.Nil(t, a.body)
	assert.Empty(t, a.header)
	assert.NotNil(t, a.header, "the map stays for the next answer")
}

// idle sends nothing; it counts the iterations begun.
type idle struct{ n *atomic.Int64 }

func (p idle) Next(*scenarios.Result) (scenarios.Step, bool) {
	p.n.Add(1)
	return scenarios.Step{}, false
}

// On the simulated clock an iteration that sends nothing must not begin
// again at the same instant forever: the VU waits a second, so the run
// ends with its schedule (it used to spin).
func TestSimEmptyIterationsEnd(t *testing.T) {
	var n atomic.Int64
	load := Workload{Scenario: "idle", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 2, Duration: 10 * time.Second},
		Program: func(int) (scenarios.Program, error) { return idle{&n}, nil }}
	exs, r := simRun(t, Segment{}, load)
	assert.Empty(t, exs)
	assert.Equal(t, int64(20), n.Load(), "one empty iteration per VU per simulated second")
	assert.Equal(t, int64(20), r.Stats()[0].Iterations)
}

// Done ends a workload early: once it says so, no VU begins an iteration.
func TestWorkloadDone(t *testing.T) {
	var sent atomic.Int64
	load := Workload{Scenario: "budget", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 3, Duration: time.Hour},
		Think:   scenarios.ConstantThink(time.Second),
		Program: func(int) (scenarios.Program, error) { sent.Add(1); return &paced{n: 1}, nil },
		Done:    func() bool { return sent.Load() >= 10 }}
	exs, _ := simRun(t, Segment{}, load)
	assert.Len(t, exs, 10)
	last := exs[len(exs)-1].Sent.Sub(epoch)
	assert.Less(t, last, time.Minute, "the VUs retired instead of idling for the hour: last request at "+strconv.Itoa(int(last.Seconds()))+"s")
}

// headerSeer records the request headers it sees, then meddles with them
// as handlers may (the engine reuses the map from request to request).
type headerSeer struct{ seen []http.Header }

func (h *headerSeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.seen = append(h.seen, r.Header.Clone())
	switch r.URL.Query().Get("meddle") {
	case "del":
		r.Header.Del("X-A")
	case "set":
		r.Header.Set("X-A", "changed")
	case "add":
		r.Header.Add("X-New", "1")
	case "append":
		r.Header["X-A"] = append(r.Header["X-A"], "more")
	case "swap":
		r.Header.Del("X-A")
		r.Header.Set("X-Other", "1")
	}
	w.WriteHeader(http.StatusNoContent)
}

// Every request is served with exactly the header it was sent with,
// whether the names repeat those of the last request or not, and whatever
// the handler did to the last request's header.
func TestRunnerHandlerHeaderReuse(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	reqs := []scenarios.Request{
		{Method: http.MethodGet, Path: "/?meddle=del", Header: hdr("X-A", "1", "X-B", "2")},
		{Method: http.MethodGet, Path: "/?meddle=set", Header: hdr("X-A", "3", "X-B", "4")},
		{Method: http.MethodGet, Path: "/?meddle=add", Header: hdr("X-A", "5", "X-B", "6")},
		{Method: http.MethodGet, Path: "/?meddle=append", Header: hdr("X-A", "7", "X-B", "8")},
		{Method: http.MethodGet, Path: "/?meddle=swap", Header: hdr("X-A", "9", "X-B", "10")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "11", "X-B", "12")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "13", "X-B", "14")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "15", "X-A", "16")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "17", "X-A", "18")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-C", "19")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-C", "20")},
		// Kinds of request taking turns, each kept apart.
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "21", "X-B", "22")},
		{Method: http.MethodGet, Path: "/?meddle=set", Header: hdr("X-C", "23")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "24", "X-B", "25")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-C", "26")},
		{Method: http.MethodGet, Path: "/?meddle=del", Header: hdr("X-A", "27", "X-B", "28")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-D", "29")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-E", "30")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-F", "31")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "32", "X-B", "33")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-C", "34")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-F", "35")},
		// More kinds than the engine keeps headers for: the oldest
		// kinds' are made anew.
		{Method: http.MethodGet, Path: "/", Header: hdr("X-G", "36")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-H", "37")},
		{Method: http.MethodGet, Path: "/?meddle=add", Header: hdr("X-I", "38")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-J", "39")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-K", "40", "X-L", "41", "X-K", "42")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-I", "43")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "44", "X-B", "45")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-K", "46", "X-L", "47", "X-K", "48")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-C", "49")},
		{Method: http.MethodGet, Path: "/", Header: hdr("X-A", "50", "X-B", "51")},
	}
	require.Greater(t, 12, sharedScratch, "more kinds of request than the engine keeps headers for")
	h := &headerSeer{}
	var got []scenarios.Result
	load := Workload{Scenario: "headers", VUs: 1, Duration: time.Minute,
		Program: func(int) (scenarios.Program, error) {
			return &kept{got: &got, reqs: append([]scenarios.Request(nil), reqs...)}, nil
		}}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "shop.test"}, Handler: h, Clock: NewSimClock(epoch)}
	var rec Recorder
	require.NoError(t, r.Run(context.Background(), []Workload{load}, &rec))
	require.Len(t, h.seen, len(reqs))
	for i, req := range reqs {
		seen := h.seen[i]
		assert.NotEmpty(t, seen.Get(scenarios.CorrelationHeader), "request %d", i)
		assert.Contains(t, seen.Get("User-Agent"), " ag/"+seen.Get(scenarios.CorrelationHeader), "request %d", i)
		seen.Del(scenarios.CorrelationHeader)
		seen.Del("User-Agent")
		assert.Equal(t, req.Header, seen, "request %d", i)
	}
}

// lineMeddler records the request headers it sees and meddles with them
// in every way a handler may, values in place included.
type lineMeddler struct {
	n    int
	seen []http.Header
}

func (h *lineMeddler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.seen = append(h.seen, r.Header.Clone())
	h.n++
	switch h.n % 5 {
	case 1:
		r.Header["Accept"][0] = "meddled in place"
	case 2:
		r.Header.Set("Accept", "replaced")
	case 3:
		r.Header.Del("Sec-Fetch-Mode")
	case 4:
		r.Header.Add("X-Added", "1")
	}
	w.WriteHeader(http.StatusNoContent)
}

// VUs on the simulated clock share their header lines and the server's
// header map; every request is still served with exactly its own lines,
// whatever the handler did to the last one's.
// With devices of their own (the same header names, values of their
// own), identities of different devices share the lines' shape; one with
// as many names in another order does not.
func TestRunnerHandlerSharedLines(t *testing.T) {
	t.Run("shared devices", func(t *testing.T) { testSharedLines(t, DefaultDevices(), false) })
	own := DefaultDevices()
	for k := range own {
		own[k].Name += "-" + strconv.Itoa(k)
		own[k].UserAgent += " build/" + strconv.Itoa(k)
	}
	own = append(own, own...)
	for k := len(own) / 2; k < len(own); k++ {
		own[k].Name, own[k].UserAgent = own[k].Name+"-again", own[k].UserAgent+" again"
		if k%2 == 1 {
			own[k].Headers = slices.Clone(own[k].Headers)
			slices.Reverse(own[k].Headers)
		}
	}
	t.Run("own devices", func(t *testing.T) { testSharedLines(t, own, true) })
}

func testSharedLines(t *testing.T, devs []Device, ownDevices bool) {
	h := &lineMeddler{}
	load := Workload{Scenario: "shared", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: len(devs) + 3, Duration: time.Minute},
		Think:    scenarios.ConstantThink(time.Second),
		Disguise: Disguise{Sources: true, Devices: devs, OwnDevices: ownDevices},
		Program:  pacedProgram(-1, 0)}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "shop.test"}, Handler: h, Clock: NewSimClock(epoch), MaxRequests: 200}
	var rec Recorder
	err := r.Run(context.Background(), []Workload{load}, &rec)
	require.ErrorIs(t, err, ErrBudget)
	require.Len(t, h.seen, 200)
	kinds := map[string]bool{}
	for i, seen := range h.seen {
		corr := seen.Get(scenarios.CorrelationHeader)
		ua, _, ok := strings.Cut(seen.Get("User-Agent"), " ag/")
		require.True(t, ok, "request %d", i)
		k := slices.IndexFunc(devs, func(d Device) bool { return d.UserAgent == ua })
		require.GreaterOrEqual(t, k, 0, "request %d: user agent %q", i, ua)
		kinds[devs[k].Name] = true
		want, err := fields(nil, scenarios.Request{}, &identityState{device: &devs[k]}, "", corr)
		require.NoError(t, err)
		assert.Equal(t, header(want), seen, "request %d", i)
	}
	assert.Greater(t, len(kinds), 2, "VUs of several devices took turns")
}
