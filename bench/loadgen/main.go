// Command loadgen measures latency at a constant request rate (an open
// model: requests are sent on schedule whether or not earlier ones have
// answered, and each latency is taken from its scheduled time, so a stall
// shows in the percentiles instead of slowing the load down: no
// coordinated omission). wrk measures throughput with closed connections;
// loadgen measures the tail at a fixed rate.
//
// Given several targets (-target name=url, repeated), it interleaves them
// in short slices (-slice) within each of -rounds rounds, every target in
// turn at the full rate, so a burst of the machine's other load lands on
// every target alike instead of on whichever ran at that moment. It prints
// one JSON line per target and round, then one per target over all rounds.
// Only loopback targets are allowed. Only bench/run.sh uses it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type list []string

func (h *list) String() string     { return strings.Join(*h, ", ") }
func (h *list) Set(v string) error { *h = append(*h, v); return nil }

// result is one target's outcome over one round (Round > 0) or all of
// them (Round 0), printed as one JSON line.
type result struct {
	Target string  `json:"target"`
	Round  int     `json:"round"`
	Rate   int     `json:"rate"`
	Sent   int     `json:"sent"`
	OK     int     `json:"ok"`
	Non2xx int     `json:"non_2xx"`
	Errors int     `json:"errors"`
	P50    string  `json:"p50"`
	P90    string  `json:"p90"`
	P99    string  `json:"p99"`
	P999   string  `json:"p99_9"`
	Max    string  `json:"max"`
	P50us  float64 `json:"p50_us"`
	P99us  float64 `json:"p99_us"`
}

// target is one URL under test with its own connections, so switching
// targets between slices finds warm connections.
type target struct {
	name   string
	url    string
	client *http.Client
}

// tally is one target's outcome within one round.
type tally struct {
	h                   hist
	sent, ok, non2, err int
}

// config is what one run sends.
type config struct {
	rate             int
	dur, slice       time.Duration
	warmup           time.Duration
	rounds, inflight int
	header           http.Header
}

func main() {
	var hs, ts list
	u := flag.String("url", "", "one URL to request (loopback only); or use -target")
	name := flag.String("name", "", "the -url target's name to print")
	flag.Var(&ts, "target", "name=URL to request (loopback only; repeatable: targets are interleaved)")
	rate := flag.Int("rate", 2000, "requests per second")
	dur := flag.Duration("duration", 10*time.Second, "time at the rate per target and round (at most 10m)")
	slice := flag.Duration("slice", 500*time.Millisecond, "how long each target is sent to before the next one's turn")
	rounds := flag.Int("rounds", 1, "rounds (at most 50); each reports its own percentiles")
	warmup := flag.Duration("warmup", time.Second, "sent at the rate to each target first and not recorded")
	inflight := flag.Int("max-inflight", 512, "requests outstanding at most; later ones wait, their latency still counted from their schedule")
	flag.Var(&hs, "H", "request header 'Name: value' (repeatable)")
	flag.Parse()
	if *u != "" {
		ts = append(ts, *name+"="+*u)
	}
	cfg := config{rate: *rate, dur: *dur, slice: *slice, warmup: *warmup, rounds: *rounds, inflight: *inflight}
	if err := run(cfg, ts, hs); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
}

func run(cfg config, specs, hs list) error {
	if cfg.rate <= 0 || cfg.dur <= 0 || cfg.dur > 10*time.Minute || cfg.inflight <= 0 || cfg.slice <= 0 ||
		cfg.rounds <= 0 || cfg.rounds > 50 || cfg.warmup < 0 {
		return errors.New("-rate, -duration (at most 10m), -slice, -rounds (at most 50) and -max-inflight must be positive")
	}
	if len(specs) == 0 {
		return errors.New("no target: give -url or -target name=URL")
	}
	cfg.header = http.Header{}
	for _, h := range hs {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		cfg.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	targets := make([]*target, 0, len(specs))
	for _, s := range specs {
		t, err := parseTarget(s, cfg.inflight)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	total := make([]tally, len(targets))
	enc := json.NewEncoder(os.Stdout)
	if cfg.warmup > 0 {
		send(cfg, targets, cfg.warmup, 0)
	}
	for r := 1; r <= cfg.rounds; r++ {
		got := send(cfg, targets, cfg.dur, r)
		for i, t := range targets {
			if err := enc.Encode(got[i].result(t.name, r, cfg.rate)); err != nil {
				return err
			}
			total[i].merge(&got[i])
		}
	}
	for i, t := range targets {
		if err := enc.Encode(total[i].result(t.name, 0, cfg.rate)); err != nil {
			return err
		}
	}
	return nil
}

func parseTarget(spec string, inflight int) (*target, error) {
	name, raw, ok := strings.Cut(spec, "=")
	if !ok || !strings.Contains(raw, "://") {
		name, raw = "", spec
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("target %q: want name=URL with an absolute URL", spec)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("target %q: only loopback targets (127.0.0.0/8, ::1)", spec)
	}
	if name == "" {
		name = raw
	}
	return &target{name: name, url: u.String(), client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: inflight, MaxIdleConnsPerHost: inflight, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}}, nil
}

// job is one request to send: its target and when it was due.
type job struct {
	due time.Time
	t   int
}

// send gives every target dur at the rate, in turns of cfg.slice (the
// order rotated by round), and returns each target's tally.
func send(cfg config, targets []*target, dur time.Duration, round int) []tally {
	interval := time.Second / time.Duration(cfg.rate)
	perSlice := max(int(cfg.slice/interval), 1)
	perTarget := int(float64(cfg.rate) * dur.Seconds())
	out := make([]tally, len(targets))
	var mu sync.Mutex
	jobs := make(chan job, cfg.inflight)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(targets))*dur+30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range cfg.inflight {
		wg.Go(func() {
			for j := range jobs {
				lat, status, err := do(ctx, targets[j.t], cfg.header, j.due)
				mu.Lock()
				tl := &out[j.t]
				switch {
				case err != nil:
					tl.err++
				case status/100 == 2:
					tl.ok++
					tl.h.record(lat)
				default:
					tl.non2++
					tl.h.record(lat)
				}
				mu.Unlock()
			}
		})
	}
	start, n := time.Now(), 0
	for sent := 0; sent < perTarget; sent += perSlice {
		k := min(perSlice, perTarget-sent)
		for i := range targets {
			t := (i + round) % len(targets)
			out[t].sent += k
			for range k {
				due := start.Add(time.Duration(n) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				jobs <- job{due: due, t: t}
				n++
			}
		}
	}
	close(jobs)
	wg.Wait()
	return out
}

// do sends one request and reads its answer, timing it from due.
func do(ctx context.Context, t *target, header http.Header, due time.Time) (time.Duration, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header = header.Clone()
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(due), resp.StatusCode, nil
}

func (t *tally) merge(o *tally) {
	t.h.merge(&o.h)
	t.sent += o.sent
	t.ok += o.ok
	t.non2 += o.non2
	t.err += o.err
}

func (t *tally) result(name string, round, rate int) result {
	h := &t.h
	return result{
		Target: name, Round: round, Rate: rate, Sent: t.sent, OK: t.ok, Non2xx: t.non2, Errors: t.err,
		P50: us(h.quantile(0.5)), P90: us(h.quantile(0.9)), P99: us(h.quantile(0.99)), P999: us(h.quantile(0.999)),
		Max: us(time.Duration(h.max)), P50us: float64(h.quantile(0.5)) / 1e3, P99us: float64(h.quantile(0.99)) / 1e3,
	}
}

func us(d time.Duration) string { return d.Round(time.Microsecond).String() }
