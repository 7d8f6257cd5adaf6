package guard

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abusegate/abusegate/scenarios"
)

// Throttler is a Store that keeps the throttles' token buckets too, so a
// throttled subject gets its rate once across every replica sharing the
// store, not once per replica. Optional: without it each guard keeps its
// own buckets.
type Throttler interface {
	// Take spends a token of d's bucket (rate a second, burst) at now;
	// when the bucket is empty it returns how long until the next token.
	Take(ctx context.Context, d scenarios.Decision, now time.Time, rate, burst float64) (time.Duration, bool, error)
}

var _ Throttler = (*RedisStore)(nil)

// throttle spends a token of d's bucket: the store's when it keeps them,
// else (or while it fails) this guard's own.
func (g *Guard) throttle(ctx context.Context, d scenarios.Decision, now time.Time) (time.Duration, bool) {
	if t, ok := g.store.(Throttler); ok {
		rate, burst := g.buckets.limits(d)
		wait, allowed, err := t.Take(ctx, d, now, rate, burst)
		if err == nil {
			return wait, allowed
		}
		g.storeFailed("throttle", err)
	}
	return g.buckets.take(d, now)
}

// takeScript is a token bucket in a hash (t: tokens, l: last refill, in
// ms), refilled at ARGV[2] tokens a ms up to ARGV[3], expiring with its
// decision. It returns 0 when a token was spent, else the ms to wait.
// A replica whose clock is behind the last refill refills nothing.
var takeScript = redis.NewScript(`
local b = redis.call('HMGET', KEYS[1], 't', 'l')
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local tokens = tonumber(b[1]); local last = tonumber(b[2])
if not tokens then tokens = burst; last = now end
if now > last then tokens = math.min(burst, tokens + (now - last) * rate); last = now end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.max(1, math.ceil((1 - tokens) / rate)) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'l', tostring(last))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return wait
`)

// Take implements Throttler: one atomic script per throttled request.
func (s *RedisStore) Take(ctx context.Context, d scenarios.Decision, now time.Time, rate, burst float64) (time.Duration, bool, error) {
	ttl := max(1, d.Expires.Sub(now).Milliseconds())
	wait, err := takeScript.Run(ctx, s.rdb, []string{s.prefix + "tb:" + d.ID}, now.UnixMilli(),
		strconv.FormatFloat(rate/1000, 'g', -1, 64), strconv.FormatFloat(burst, 'g', -1, 64), ttl).Int64()
	if err != nil {
		return 0, false, fmt.Errorf("redis store: throttle %s: %w", d.ID, err)
	}
	return time.Duration(wait) * time.Millisecond, wait == 0, nil
}
