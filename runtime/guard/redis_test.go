package guard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
)

// TestMain silences go-redis's package-level logger, which reports every
// failed dial of the fail-open test on stderr.
func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{})
	os.Exit(m.Run())
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// redisAddr is the Redis the tests share (.ci/run starts it).
const redisAddr = "127.0.0.1:6379"

// needRedis skips when no Redis answers at addr, and fails under CI=true,
// where .ci/run must have started one.
func needRedis(t testing.TB, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return
	}
	if ciRun() {
		t.Fatalf("Redis at %s unreachable under CI=true (.ci/run must start it): %v", addr, err)
	}
	t.Skipf("Redis at %s unreachable, skipping (start redis-server to run this test): %v", addr, err)
}

// ciRun reports whether the tests run under CI, where skipping for a
// missing Redis is a failure.
func ciRun() bool { return os.Getenv("CI") == "true" }

// ownRedis starts a redis-server of the test's own on a free loopback
// port and returns its address and a kill function (also run at cleanup).
func ownRedis(t *testing.T, bin string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return addr, startRedisAt(t, bin, addr)
}

// startRedisAt starts redis-server at addr (a loopback host:port), waits
// until it answers and returns a kill function (also run at cleanup).
func startRedisAt(t *testing.T, bin, addr string) func() {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	cmd := exec.Command(bin, "--bind", host, "--port", port, "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	var once sync.Once
	kill := func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(kill)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	ctx := context.Background()
	require.Eventually(t, func() bool { return rdb.Ping(ctx).Err() == nil }, 5*time.Second, 20*time.Millisecond, "own redis-server at %s starts", addr)
	return kill
}

// redisRig is a rig whose guard stores decisions in Redis under prefix;
// its monitor mints ids starting with name.
func redisRig(t *testing.T, back *backend, name string, store *RedisStore) *rig {
	t.Helper()
	u, err := url.Parse(back.URL)
	require.NoError(t, err)
	clock := newFakeClock()
	pol, err := monitor.ParsePolicy("test.yaml", []byte(policyWith("block", "")))
	require.NoError(t, err)
	mon := monitor.New(shopSurface(), monitor.Config{Policy: pol, IDPrefix: name})
	g, err := New(u, mon, Options{Mode: Enforce, Now: clock.Now, Surface: shopSurface(), Store: store})
	require.NoError(t, err)
	return &rig{back: back, front: newFront(t, g), guard: g, mon: mon, clock: clock}
}

func TestRedisTwoGuardsShareDecisions(t *testing.T) {
	needRedis(t, redisAddr)
	prefix := fmt.Sprintf("abusegate-test:%s:%d:", t.Name(), time.Now().UnixNano())
	back := newBackend(t)
	storeA := NewRedisStore(RedisOptions{Addr: redisAddr, Prefix: prefix})
	storeB := NewRedisStore(RedisOptions{Addr: redisAddr, Prefix: prefix})
	t.Cleanup(func() { storeA.Close(); storeB.Close() })
	a, b := redisRig(t, back, "a", storeA), redisRig(t, back, "b", storeB)

	tok := a.login(t, "mallory")
	code, _, _ := b.do(t, "GET", "/users/9", tok, "")
	require.Equal(t, http.StatusOK, code, "not contained yet")
	a.walk(t, tok, 1, 3)
	require.NotEmpty(t, a.guard.Decisions(), "guard A decided")

	code, hdr, _ := b.do(t, "GET", "/users/9", tok, "")
	assert.Equal(t, http.StatusForbidden, code, "guard B contains the token on its very next request")
	assert.Equal(t, a.guard.Decisions()[0].ID[:4], hdr.Get(DecisionHeader)[:4], "with A's decision")
	assert.Empty(t, b.guard.Decisions(), "B decided nothing itself")

	for _, d := range a.guard.Decisions() {
		assert.Equal(t, http.StatusNoContent, adminDelete(t, b.guard, d.ID), "B's admin API lifts A's decision %s", d.ID)
	}
	code, _, _ = b.do(t, "GET", "/users/9", tok, "")
	assert.Equal(t, http.StatusOK, code, "lifted for every replica")
}

// adminDelete lifts decision id through g's admin API and returns the
// status.
func adminDelete(t *testing.T, g *Guard, id string) int {
	t.Helper()
	req, _ := http.NewRequest("DELETE", "/decisions/"+id, nil)
	w := newRecorderWriter()
	g.Admin("").ServeHTTP(w, req)
	return w.code
}

func TestRedisUnreachableMidRunFailsOpen(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		needRedisServer(t, err)
	}
	addr, kill := ownRedis(t, bin)
	store := NewRedisStore(RedisOptions{Addr: addr})
	t.Cleanup(func() { store.Close() })

	back := newBackend(t)
	r := redisRig(t, back, "a", store)
	alice := r.login(t, "alice")
	mallory := r.login(t, "mallory")
	r.walk(t, mallory, 1, 3)
	code, _, _ := r.do(t, "GET", "/users/9", mallory, "")
	require.Equal(t, http.StatusForbidden, code, "contained through Redis")

	kill()
	for i := range 5 {
		code, _, _ = r.do(t, "GET", fmt.Sprintf("/users/%d", 100+i%2), alice, "")
		assert.Equal(t, http.StatusOK, code, "benign traffic still flows with Redis down")
	}
	code, _, _ = r.do(t, "GET", "/users/9", mallory, "")
	assert.Equal(t, http.StatusForbidden, code, "the guard's own decisions still hold")
	assert.Positive(t, counted(r.guard, "abusegate_guard_store_errors_total"))
}
