package guard

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abusegate/abusegate/scenarios"
)

// RedisStore shares live decisions between guard replicas through Redis.
// Each subject's decision is one key ("<prefix>s:<kind>:<value>") expiring
// with the decision, written by an atomic script that keeps the harsher
// one; Check is a single MGET of the request's subjects, one round trip.
// A throttled subject's token bucket is one more key (Take), so the fleet
// lets it through at the throttle's rate once, not once per replica.
// The client has short timeouts and no retries: a dead Redis must cost a
// request milliseconds, not seconds (the guard then fails open).
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Store = (*RedisStore)(nil)

// RedisOptions are the client settings the guard needs; zero timeouts
// take 50ms (I/O) and 100ms (dial).
type RedisOptions struct {
	Addr     string
	Password string
	DB       int
	// Prefix namespaces the keys, so several guarded APIs (or tests) share
	// one Redis; "" means "abusegate:".
	Prefix       string
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

// NewRedisStore connects lazily: an unreachable Redis is reported by the
// first operation (and by Ping), not here.
func NewRedisStore(o RedisOptions) *RedisStore {
	def := func(d, v time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return v
	}
	if o.Prefix == "" {
		o.Prefix = "abusegate:"
	}
	rdb := redis.NewClient(&redis.Options{
		// One dial attempt: go-redis's default of 5, 100ms apart, held each
		// request ~400ms while Redis was down.
		Addr: o.Addr, Password: o.Password, DB: o.DB, MaxRetries: -1, DialerRetries: 1,
		DialTimeout: def(o.DialTimeout, 100*time.Millisecond), ReadTimeout: def(o.ReadTimeout, 50*time.Millisecond),
		WriteTimeout: def(o.WriteTimeout, 50*time.Millisecond), PoolSize: 64,
		ContextTimeoutEnabled: true,
	})
	return &RedisStore{rdb: rdb, prefix: o.Prefix}
}

// Ping checks that Redis answers.
func (s *RedisStore) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis store: %w", err)
	}
	return nil
}

// Close releases the client's connections.
func (s *RedisStore) Close() error { return s.rdb.Close() }

func (s *RedisStore) subjectKey(subj scenarios.Subject) string {
	return s.prefix + "s:" + subj.Kind.String() + ":" + subj.Value
}

// putScript keeps the harsher of the stored and the new decision. Values
// are "severity|expires-unix-ms|id|tag|json" so the script compares without
// decoding JSON; the tag ("rule#level") names a containment, so when
// replicas that share counters each decide the same one (see RedisShare),
// the later is kept as an alias of the first: its id lifts the subject
// too. An id key holds "tag|subject key".
var putScript = redis.NewScript(`
local old = redis.call('GET', KEYS[1])
local ref = ARGV[5] .. '|' .. KEYS[1]
if old then
  local sev, exp, _, tag = string.match(old, '^(%d+)|(%d+)|([^|]*)|([^|]*)|')
  if sev then
    if ARGV[5] ~= '' and tag == ARGV[5] then
      redis.call('SET', KEYS[2], ref, 'PX', ARGV[2])
      return 0
    end
    sev = tonumber(sev); exp = tonumber(exp)
    local nsev = tonumber(ARGV[3]); local nexp = tonumber(ARGV[4])
    if sev > nsev or (sev == nsev and exp >= nexp) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ref, 'PX', ARGV[2])
return 1
`)

// deleteScript lifts a decision by id: its subject's stored decision when
// it is still that one, or an alias of it.
var deleteScript = redis.NewScript(`
local ref = redis.call('GET', KEYS[1])
if not ref then return 0 end
redis.call('DEL', KEYS[1])
local tag, sk = string.match(ref, '^([^|]*)|(.*)$')
if not sk then return 1 end
local v = redis.call('GET', sk)
if v then
  local id, vtag = string.match(v, '^%d+|%d+|([^|]*)|([^|]*)|')
  if id == ARGV[1] or (tag ~= '' and vtag == tag) then redis.call('DEL', sk) end
end
return 1
`)

// containment tags d for putScript: its rule and escalation level.
func containment(d scenarios.Decision) string {
	if d.Rule == "" {
		return ""
	}
	return strings.ReplaceAll(d.Rule, "|", "_") + "#" + strconv.Itoa(d.Level)
}

// Put implements Store.
func (s *RedisStore) Put(ctx context.Context, d scenarios.Decision) error {
	ttl := d.Expires.Sub(d.Time).Milliseconds()
	if ttl <= 0 {
		return nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("redis store: %w", err)
	}
	tag := containment(d)
	val := strconv.Itoa(d.Action.Severity()) + "|" + strconv.FormatInt(d.Expires.UnixMilli(), 10) + "|" + d.ID + "|" + tag + "|" + string(b)
	keys := []string{s.subjectKey(d.Subject), s.prefix + "id:" + d.ID}
	if err := putScript.Run(ctx, s.rdb, keys, val, ttl, d.Action.Severity(), d.Expires.UnixMilli(), tag).Err(); err != nil {
		return fmt.Errorf("redis store: put %s: %w", d.ID, err)
	}
	return nil
}

// Check implements Store.
func (s *RedisStore) Check(ctx context.Context, now time.Time, subjects []scenarios.Subject) (scenarios.Decision, bool, error) {
	var buf [8]string
	keys := buf[:0]
	for _, subj := range subjects {
		if subj.Value != "" {
			keys = append(keys, s.subjectKey(subj))
		}
	}
	if len(keys) == 0 {
		return scenarios.Decision{}, false, nil
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return scenarios.Decision{}, false, fmt.Errorf("redis store: check: %w", err)
	}
	var best scenarios.Decision
	found := false
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		parts := strings.SplitN(str, "|", 5)
		if len(parts) != 5 {
			continue
		}
		var d scenarios.Decision
		if json.Unmarshal([]byte(parts[4]), &d) != nil || !now.Before(d.Expires) {
			continue
		}
		if !found || harsher(&d, &best) {
			best, found = d, true
		}
	}
	return best, found, nil
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, id string) (bool, error) {
	n, err := deleteScript.Run(ctx, s.rdb, []string{s.prefix + "id:" + id}, id).Int()
	if err != nil {
		return false, fmt.Errorf("redis store: delete %s: %w", id, err)
	}
	return n == 1, nil
}
