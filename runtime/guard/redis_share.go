package guard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/abusegate/abusegate/scenarios"
)

// RedisShare is a Sharer over one Redis Stream ("<prefix>events"). Each
// replica appends batches of the records it observed (XADD, MAXLEN ~
// bounded) and reads everyone's (XREAD BLOCK), skipping its own, into its
// monitor's Observe. So every detector — rates, distinct objects walked,
// login failures per source, coverage of a catalog — counts global
// traffic without a Redis round trip per request or a Redis data structure
// per detector; the price is that each replica scores every replica's
// events (N replicas: N times the monitor work, which is ~1µs an event).
//
// The request path only copies the event into a bounded queue (no
// allocation, no I/O); a full queue drops the record and counts it. A
// peer's record reaches the others about one Redis round trip after the
// request, plus the time the publisher takes to drain the queue. When
// Redis is unreachable, records are dropped and counted, reads are
// retried every RetryAfter, and requests are never held or failed for it.
//
// The stream holds what the monitor reads: paths with their queries,
// client addresses, device fingerprints, token ids (hashes, never the
// tokens), login usernames and coupon codes. Give Redis the protection a
// log of them needs.
//
// A RedisShare runs once: Run closes its client when ctx ends.
type RedisShare struct {
	rdb     redis.UniversalClient
	stream  string
	replica string
	maxLen  int64
	retry   time.Duration
	log     *slog.Logger
	queue   chan shared

	records  *prometheus.CounterVec
	errs     *prometheus.CounterVec
	dropped  prometheus.Counter
	applied  progress // records of replicas applied
	failures progress // Redis errors
	ready    chan struct{}
	lastWarn atomic.Int64
}

var (
	_ Sharer               = (*RedisShare)(nil)
	_ prometheus.Collector = (*RedisShare)(nil)
)

// ShareOptions configure a RedisShare. Zero values take the defaults.
type ShareOptions struct {
	RedisOptions
	// Replica names this guard among those sharing the stream; "" draws
	// a random name. Two replicas must never share one.
	Replica string
	// Queue bounds the records waiting to be published (16,384).
	Queue int
	// MaxLen bounds the stream, in batches, approximately (4,096). A batch
	// holds at most 512 records and about 64 KiB, so the stream takes at
	// most ~256 MiB of Redis under a flood, a few MiB at ordinary rates
	// (a batch is then a few records); a replica that falls further behind
	// than MaxLen batches misses the oldest.
	MaxLen int64
	// RetryAfter is how long an unreachable Redis is left alone (1s).
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// NewRedisShare connects lazily, like NewRedisStore; nothing is sent
// until Run.
func NewRedisShare(o ShareOptions) *RedisShare {
	if o.Replica == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Replica = hex.EncodeToString(b[:])
	}
	if o.Queue <= 0 {
		o.Queue = 1 << 14
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 4096
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	st := NewRedisStore(o.RedisOptions)
	s := &RedisShare{
		rdb: st.rdb, stream: st.prefix + "events", replica: o.Replica, maxLen: o.MaxLen,
		retry: o.RetryAfter, log: o.Logger, queue: make(chan shared, o.Queue),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_share_records_total",
			Help: "Records (events, learnt tokens) shared with replicas, by outcome: published, dropped (queue full), lost (Redis failed), applied (a replica's, scored here), malformed.",
		}, []string{"outcome"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "abusegate_guard_share_errors_total",
			Help: "Redis operations of the replica share that failed, by operation (publish, read); the guard fails open and counts locally meanwhile.",
		}, []string{"op"}),
		applied: progress{ch: make(chan struct{})}, failures: progress{ch: make(chan struct{})},
		ready: make(chan struct{}),
	}
	s.dropped = s.records.WithLabelValues("dropped")
	for _, op := range []string{"publish", "read"} {
		s.errs.WithLabelValues(op) // exported at 0 before the first error
	}
	return s
}

// Replica is this guard's name in the stream.
func (s *RedisShare) Replica() string { return s.replica }

// Ready is closed once Run has found where the stream ends: the replicas'
// records from then on are applied here.
func (s *RedisShare) Ready() <-chan struct{} { return s.ready }

// Publish implements Sharer.
func (s *RedisShare) Publish(ev *scenarios.Event) {
	s.enqueue(shared{kind: recEvent, ev: *ev})
}

// Learned implements Sharer.
func (s *RedisShare) Learned(tokenID, identity string) {
	s.enqueue(shared{kind: recLearn, ev: scenarios.Event{TokenID: tokenID, Identity: identity}})
}

func (s *RedisShare) enqueue(r shared) {
	select {
	case s.queue <- r:
	default:
		s.dropped.Inc()
	}
}

// Run implements Sharer.
func (s *RedisShare) Run(ctx context.Context, apply Remote) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.publish(ctx) })
	wg.Go(func() { s.consume(ctx, apply) })
	<-ctx.Done()
	// Closing the client ends a blocked XREAD at once.
	err := s.rdb.Close()
	wg.Wait()
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("share: %w", err)
	}
	return nil
}

// maxBatch and maxBatchBytes bound one XADD.
const (
	maxBatch      = 512
	maxBatchBytes = 64 << 10
)

// publish drains the queue into batches, one XADD each, until ctx ends.
// While one XADD is in flight the next batch fills, so batches grow with
// the load and Redis sees one command per batch, not per request.
func (s *RedisShare) publish(ctx context.Context) {
	buf := make([]byte, 0, maxBatchBytes+4<<10)
	published, lost := s.records.WithLabelValues("published"), s.records.WithLabelValues("lost")
	for {
		var r shared
		select {
		case <-ctx.Done():
			return
		case r = <-s.queue:
		}
		buf = appendRecord(append(buf[:0], batchVersion), &r)
		n := 1
	fill:
		for n < maxBatch && len(buf) < maxBatchBytes {
			select {
			case r = <-s.queue:
				buf = appendRecord(buf, &r)
				n++
			default:
				break fill
			}
		}
		err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.stream, MaxLen: s.maxLen, Approx: true,
			Values: []any{"o", s.replica, "b", buf}}).Err()
		if err == nil {
			published.Add(float64(n))
			continue
		}
		lost.Add(float64(n))
		if !s.failed(ctx, "publish", err) {
			return
		}
	}
}

// consume reads the stream from its current end and applies the other
// replicas' records, until ctx ends.
func (s *RedisShare) consume(ctx context.Context, apply Remote) {
	applied, malformed := s.records.WithLabelValues("applied"), s.records.WithLabelValues("malformed")
	last := ""
	for ctx.Err() == nil {
		if last == "" {
			// Start from the newest entry: what replicas saw before this one
			// started is not replayed.
			msgs, err := s.rdb.XRevRangeN(ctx, s.stream, "+", "-", 1).Result()
			if err != nil {
				if !s.failed(ctx, "read", err) {
					return
				}
				continue
			}
			last = "0-0"
			if len(msgs) > 0 {
				last = msgs[0].ID
			}
			close(s.ready)
		}
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{s.stream, last}, Count: 64, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if !s.failed(ctx, "read", err) {
				return
			}
			continue
		}
		for _, st := range res {
			for _, m := range st.Messages {
				last = m.ID
				if o, _ := m.Values["o"].(string); o == s.replica {
					continue
				}
				b, _ := m.Values["b"].(string)
				n := 0
				err := decodeBatch([]byte(b), func(r shared) {
					n++
					if r.kind == recLearn {
						apply.Learn(r.ev.TokenID, r.ev.Identity)
						return
					}
					apply.Observe(r.ev)
				})
				applied.Add(float64(n))
				if err != nil {
					malformed.Inc()
					s.log.Warn("guard: share: skipped a malformed batch", "id", m.ID, "err", err)
				}
				s.applied.add(uint64(n))
			}
		}
	}
}

// failed counts a Redis error, logs it at most once a second and waits
// RetryAfter; it reports false when ctx ended meanwhile.
func (s *RedisShare) failed(ctx context.Context, op string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	s.errs.WithLabelValues(op).Inc()
	s.failures.add(1)
	now := time.Now().UnixNano()
	if last := s.lastWarn.Load(); now-last >= int64(time.Second) && s.lastWarn.CompareAndSwap(last, now) {
		s.log.Warn("guard: share: redis unavailable; replicas count apart until it answers", "op", op, "err", err)
	}
	t := time.NewTimer(s.retry)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Describe implements prometheus.Collector.
func (s *RedisShare) Describe(ch chan<- *prometheus.Desc) {
	s.records.Describe(ch)
	s.errs.Describe(ch)
}

// Collect implements prometheus.Collector.
func (s *RedisShare) Collect(ch chan<- prometheus.Metric) {
	s.records.Collect(ch)
	s.errs.Collect(ch)
}

// progress counts applied records and wakes whoever waits for a count.
type progress struct {
	mu sync.Mutex
	n  uint64
	ch chan struct{} // closed and replaced at each add
}

func (p *progress) add(n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	close(p.ch)
	p.ch = make(chan struct{})
}

// wait returns once n records have been applied, or ctx's error.
func (p *progress) wait(ctx context.Context, n uint64) error {
	for {
		p.mu.Lock()
		got, ch := p.n, p.ch
		p.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("share: %d of %d records applied: %w", got, n, ctx.Err())
		}
	}
}
