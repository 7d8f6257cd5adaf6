package guard

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// fakeClock is the guard's clock in tests: time moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// shopSurface is the slice of a shop the guard tests need.
func shopSurface() scenarios.Surface {
	return scenarios.Surface{Operations: []scenarios.Operation{
		{Method: "POST", Path: "/login", Roles: []scenarios.RoleTag{{Role: scenarios.RoleLogin}}},
		{Method: "GET", Path: "/users/{id}", Auth: true, Params: []scenarios.Param{
			{Name: "id", In: scenarios.InPath, Type: "integer", Role: scenarios.ParamObjectID},
		}, Roles: []scenarios.RoleTag{{Role: scenarios.RoleObjectRead}}},
		{Method: "POST", Path: "/echo"},
		{Method: "GET", Path: "/products", Params: []scenarios.Param{
			{Name: "limit", In: scenarios.InQuery, Type: "integer", Role: scenarios.ParamPageSize, Maximum: 100},
		}, Roles: []scenarios.RoleTag{{Role: scenarios.RoleCollection}}},
		{Method: "POST", Path: "/cart/items", Auth: true, Roles: []scenarios.RoleTag{{Role: scenarios.RoleCart}}},
	}}
}

// backend is a tiny staging API that counts what reached it.
type backend struct {
	*httptest.Server
	mu     sync.Mutex
	hits   map[string]int // "METHOD path" -> count
	bodies []string       // request bodies of /login, as received
	// tokenField is the login response field carrying the token.
	tokenField string
	issued     int
}

func newBackend(t testing.TB) *backend {
	b := &backend{hits: map[string]int{}, tokenField: "token"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var creds struct{ Username string }
		_ = json.Unmarshal(body, &creds)
		b.mu.Lock()
		b.hits["POST /login"]++
		b.bodies = append(b.bodies, string(body))
		b.issued++
		tok := fmt.Sprintf("secret-%s-%d", creds.Username, b.issued)
		field := b.tokenField
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{field: tok, "note": "welcome"})
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.hits["GET /users/{id} "+r.Header.Get("Authorization")]++
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
	})
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.hits["GET /products"]++
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"limit":%q}`, r.URL.Query().Get("limit"))
	})
	mux.HandleFunc("POST /cart/items", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.hits["POST /cart/items"]++
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Custom", r.Header.Get("X-Custom"))
		w.Header().Set("X-Echo-Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write(body)
	})
	b.Server = httptest.NewServer(mux)
	t.Cleanup(b.Close)
	return b
}

func (b *backend) count(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits[key]
}

// rig is a backend behind a guard served by a frontend server.
type rig struct {
	back  *backend
	front *httptest.Server
	guard *Guard
	mon   *monitor.Monitor
	clock *fakeClock
}

func newRig(t testing.TB, mode Mode) *rig {
	return newRigWith(t, mode, "", Options{})
}

// newRigWith builds a rig whose monitor runs policyYAML ("" for the
// default) and whose guard takes opts (Mode, Now and Surface are set).
func newRigWith(t testing.TB, mode Mode, policyYAML string, opts Options) *rig {
	t.Helper()
	back := newBackend(t)
	u, err := url.Parse(back.URL)
	require.NoError(t, err)
	clock := newFakeClock()
	var mon *monitor.Monitor
	if mode != Off {
		cfg := monitor.Config{}
		if policyYAML != "" {
			cfg.Policy, err = monitor.ParsePolicy("test.yaml", []byte(policyYAML))
			require.NoError(t, err)
		}
		mon = monitor.New(shopSurface(), cfg)
	}
	opts.Mode, opts.Now, opts.Surface = mode, clock.Now, shopSurface()
	g, err := New(u, mon, opts)
	require.NoError(t, err)
	return &rig{back: back, front: newFront(t, g), guard: g, mon: mon, clock: clock}
}

func newFront(t testing.TB, g *Guard) *httptest.Server {
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	return front
}

// do sends a request through the guard and returns the status, headers and
// body the client got.
func (r *rig) do(t *testing.T, method, path, token, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.front.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.front.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// login logs username in through the guard and returns the token.
func (r *rig) login(t *testing.T, username string) string {
	t.Helper()
	code, _, body := r.do(t, "POST", "/login", "", fmt.Sprintf(`{"username":%q,"password":"pw"}`, username))
	require.Equal(t, http.StatusOK, code, body)
	var out map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	tok := out["token"] + out["access_token"]
	require.NotEmpty(t, tok)
	return tok
}

// walk reads /users/from..to as token, 100ms apart, and returns the
// statuses.
func (r *rig) walk(t *testing.T, token string, from, to int) []int {
	t.Helper()
	var codes []int
	for i := from; i <= to; i++ {
		r.clock.Advance(100 * time.Millisecond)
		code, _, _ := r.do(t, "GET", fmt.Sprintf("/users/%d", i), token, "")
		codes = append(codes, code)
	}
	return codes
}

func repeat(code, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = code
	}
	return out
}

// recorderWriter is a minimal ResponseWriter for in-process handler tests.
type recorderWriter struct {
	h    http.Header
	code int
}

func newRecorderWriter() *recorderWriter { return &recorderWriter{h: http.Header{}} }

func (w *recorderWriter) Header() http.Header { return w.h }
func (w *recorderWriter) WriteHeader(c int) {
	if w.code == 0 {
		w.code = c
	}
}
func (w *recorderWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return len(p), nil
}
