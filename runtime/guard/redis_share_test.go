package guard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
)

// walkPolicy contains an identity at its 12th distinct user read.
const walkPolicy = `version: 1
detectors:
  enumeration: {window: 1m, distinct: 12, sequential: 12, suspicious: 12}
rules:
  - {name: walk, action: block, ttl: 1m, subjects: [identity, token]}
`

// replica is one guard of a fleet: a rig whose records its peers wait for.
type replica struct {
	*rig
	share *RedisShare // nil: counters are not shared
	sent  uint64      // records this replica published (events, learnt tokens)
}

// newReplica builds a guard named name in front of back on clock, storing
// decisions in store and, when share is set, sharing its observations
// (Run runs until the test ends).
func newReplica(t *testing.T, back *backend, clock *fakeClock, name string, store Store, share *RedisShare) *replica {
	return newReplicaWith(t, back, clock, name, walkPolicy, store, share)
}

// newReplicaWith is newReplica with a policy of its own.
func newReplicaWith(t *testing.T, back *backend, clock *fakeClock, name, policy string, store Store, share *RedisShare) *replica {
	t.Helper()
	u, err := url.Parse(back.URL)
	require.NoError(t, err)
	pol, err := monitor.ParsePolicy("policy.yaml", []byte(policy))
	require.NoError(t, err)
	mon := monitor.New(shopSurface(), monitor.Config{Policy: pol, IDPrefix: name})
	opts := Options{Mode: Enforce, Now: clock.Now, Surface: shopSurface(), Store: store}
	if share != nil {
		opts.Share = share
	}
	g, err := New(u, mon, opts)
	require.NoError(t, err)
	r := &replica{rig: &rig{back: back, front: newFront(t, g), guard: g, mon: mon, clock: clock}, share: share}
	if share != nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- g.Run(ctx) }()
		t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
		select {
		case <-share.Ready():
		case <-time.After(10 * time.Second):
			t.Fatalf("replica %s: share never found the stream's end", name)
		}
	}
	return r
}

// get reads path as token through r and, when counters are shared, waits
// until every peer has applied the request's event: the walk is then as
// fast as the fleet can share, one Redis round trip per request.
func (r *replica) get(t *testing.T, path, token string, peers ...*replica) int {
	t.Helper()
	r.clock.Advance(100 * time.Millisecond)
	code, _, _ := r.do(t, "GET", path, token, "")
	r.sent++
	r.sync(t, peers)
	return code
}

func (r *replica) loginAs(t *testing.T, user string, peers ...*replica) string {
	t.Helper()
	tok := r.login(t, user)
	r.sent += 2 // the login's event and its token
	r.sync(t, peers)
	return tok
}

func (r *replica) sync(t *testing.T, peers []*replica) {
	t.Helper()
	if r.share == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range peers {
		require.NoError(t, p.share.applied.wait(ctx, r.sent), "replica %s applied %s's records", p.share.Replica(), r.share.Replica())
	}
}

// alternatingWalk logs mallory in and reads /users/1.. with her token,
// request i through fleet[i%len(fleet)]; it returns the token, the 1-based
// index of the first denied request (0: none within limit) and the status
// of the request after it, sent through the next replica.
func alternatingWalk(t *testing.T, fleet []*replica, limit int) (tok string, first, after int) {
	t.Helper()
	others := func(i int) []*replica {
		var out []*replica
		for j, r := range fleet {
			if j != i {
				out = append(out, r)
			}
		}
		return out
	}
	tok = fleet[0].loginAs(t, "mallory", others(0)...)
	for i := 1; i <= limit; i++ {
		k := i % len(fleet)
		if code := fleet[k].get(t, fmt.Sprintf("/users/%d", i), tok, others(k)...); code == http.StatusForbidden {
			n := (i + 1) % len(fleet)
			return tok, i, fleet[n].get(t, fmt.Sprintf("/users/%d", i+1), tok, others(n)...)
		}
	}
	return tok, 0, 0
}

// redisPrefix is a key prefix of the test's own in the shared Redis; its
// keys (the stream never expires) are deleted when the test ends.
func redisPrefix(t testing.TB) string {
	prefix := fmt.Sprintf("abusegate-test:%s:%d:", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr, MaxRetries: -1})
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func TestRedisShareContainsAnAlternatingWalkAsFastAsOneReplica(t *testing.T) {
	needRedis(t, redisAddr)
	back := newBackend(t)

	one := newReplica(t, back, newFakeClock(), "solo", NewMemoryStore(0), nil)
	_, alone, _ := alternatingWalk(t, []*replica{one}, 40)
	require.Equal(t, 13, alone, "one replica denies the request after the 12th distinct read")

	fleet := func(share bool) []*replica {
		prefix, clock := redisPrefix(t), newFakeClock()
		var out []*replica
		for _, name := range []string{"a", "b"} {
			store := NewRedisStore(RedisOptions{Addr: redisAddr, Prefix: prefix})
			t.Cleanup(func() { store.Close() })
			var sh *RedisShare
			if share {
				sh = NewRedisShare(ShareOptions{RedisOptions: RedisOptions{Addr: redisAddr, Prefix: prefix}, Replica: name})
			}
			out = append(out, newReplica(t, back, clock, name, store, sh))
		}
		return out
	}

	t.Run("decisions shared, counters not", func(t *testing.T) {
		_, first, _ := alternatingWalk(t, fleet(false), 40)
		assert.Greater(t, first, alone+1, "each replica counts half the walk, so it runs past one replica's limit")
	})
	t.Run("counters shared", func(t *testing.T) {
		f := fleet(true)
		_, first, after := alternatingWalk(t, f, 40)
		assert.Equal(t, alone, first, "the fleet denies the walk at the same request as one replica")
		assert.Equal(t, http.StatusForbidden, after, "and the other replica denies the next request")
		a, b := f[0].guard.Decisions(), f[1].guard.Decisions()
		require.Len(t, a, 2, "identity and token")
		require.Len(t, b, 2, "each replica decides on the fleet's traffic")

		// Either replica's id lifts the containment on both: the second
		// decision is stored as an alias of the first.
		for _, d := range b {
			assert.Equal(t, http.StatusNoContent, adminDelete(t, f[1].guard, d.ID), d.ID)
		}
		tok := f[0].login(t, "mallory") // a fresh token, the same identity
		code, _, _ := f[0].do(t, "GET", "/users/1", tok, "")
		assert.Equal(t, http.StatusOK, code, "lifted on A through B's ids")
	})
}

func TestRedisShareKilledMidRunTrafficFlows(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		needRedisServer(t, err)
	}
	addr, kill := ownRedis(t, bin)
	prefix, clock, back := redisPrefix(t), newFakeClock(), newBackend(t)
	var f []*replica
	for _, name := range []string{"a", "b"} {
		store := NewRedisStore(RedisOptions{Addr: addr, Prefix: prefix})
		t.Cleanup(func() { store.Close() })
		sh := NewRedisShare(ShareOptions{RedisOptions: RedisOptions{Addr: addr, Prefix: prefix}, Replica: name, RetryAfter: 50 * time.Millisecond})
		f = append(f, newReplica(t, back, clock, name, store, sh))
	}
	a, b := f[0], f[1]
	alice := a.loginAs(t, "alice", b)
	mallory, first, _ := alternatingWalk(t, f, 40)
	require.Equal(t, 13, first, "contained through the shared counters")

	kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.share.failures.wait(ctx, 1), "A noticed")
	require.NoError(t, b.share.failures.wait(ctx, 1), "B noticed")
	for i, r := range []*replica{a, b, a, b} {
		r.clock.Advance(100 * time.Millisecond)
		code, _, _ := r.do(t, "GET", fmt.Sprintf("/users/%d", 100+i), alice, "")
		assert.Equal(t, http.StatusOK, code, "benign traffic flows through %s with Redis down", r.share.Replica())
		code, _, _ = r.do(t, "GET", "/users/1", mallory, "")
		assert.Equal(t, http.StatusForbidden, code, "%s still holds the containment it decided itself", r.share.Replica())
	}
	for _, r := range f {
		assert.Positive(t, counted(r.guard, "abusegate_guard_share_errors_total"), "share errors in %s's /metrics", r.share.Replica())
		assert.Positive(t, counted(r.guard, "abusegate_guard_store_errors_total"))
	}

	// Redis comes back (empty): sharing resumes by itself. A walk through
	// A alone is decided by B's monitor too, from A's events.
	startRedisAt(t, bin, addr)
	decided := b.guard.broker.subscribe()
	defer b.guard.broker.unsubscribe(decided)
	trudy := a.login(t, "trudy")
	a.walk(t, trudy, 1, 12)
	select {
	case d := <-decided:
		assert.Equal(t, "trudy", d.Subject.Value, "B decided on A's traffic")
	case <-ctx.Done():
		t.Fatal("B never saw A's walk after Redis came back")
	}
}

// needRedisServer skips when redis-server is not installed, and fails
// under CI=true.
func needRedisServer(t *testing.T, err error) {
	t.Helper()
	if ciRun() {
		t.Fatalf("redis-server not installed under CI=true: %v", err)
	}
	t.Skipf("redis-server not installed, skipping: %v", err)
}

// counted sums the series of a counter family in g's registry.
func counted(g *Guard, name string) float64 {
	mfs, _ := g.metrics.reg.Gather()
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// decisionsOnly hides a store's Throttler: each guard keeps its own buckets.
type decisionsOnly struct{ Store }

// A throttle decided through one replica allows its burst once across the
// fleet: the buckets live in Redis. With each replica's own buckets an
// abuser alternating replicas gets the burst (and the rate) once per
// replica.
func TestRedisThrottleSharedByReplicas(t *testing.T) {
	needRedis(t, redisAddr)
	policy := policyWith("throttle", ", throttle: {rate: 1/s, burst: 4}")
	allowed := func(t *testing.T, shared bool) (int, []*replica, string) {
		prefix, clock, back := redisPrefix(t), newFakeClock(), newBackend(t)
		var f []*replica
		for _, name := range []string{"a", "b"} {
			rs := NewRedisStore(RedisOptions{Addr: redisAddr, Prefix: prefix})
			t.Cleanup(func() { rs.Close() })
			var st Store = rs
			if !shared {
				st = decisionsOnly{rs}
			}
			f = append(f, newReplicaWith(t, back, clock, name, policy, st, nil))
		}
		tok := f[0].login(t, "mallory")
		f[0].walk(t, tok, 1, 3)
		require.NotEmpty(t, f[0].guard.Decisions(), "throttled")
		n := 0
		for i := range 12 { // no time passes: only the burst is let through
			if code, _, _ := f[i%2].do(t, "GET", "/users/9", tok, ""); code == http.StatusOK {
				n++
			} else {
				require.Equal(t, http.StatusTooManyRequests, code)
			}
		}
		return n, f, tok
	}
	n, f, tok := allowed(t, true)
	assert.Equal(t, 4, n, "one burst across both replicas")
	f[0].clock.Advance(time.Second)
	for i, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
		code, hdr, _ := f[1-i].do(t, "GET", "/users/9", tok, "")
		assert.Equal(t, want, code, "a second later: one token for the fleet")
		if want == http.StatusTooManyRequests {
			assert.Equal(t, "1", hdr.Get("Retry-After"))
		}
	}
	n, _, _ = allowed(t, false)
	assert.Equal(t, 8, n, "a burst per replica when each keeps its own buckets")
}
