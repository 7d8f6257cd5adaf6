// Command loadgen measures latency at a constant request rate (an open
// model: requests are sent on schedule whether or not earlier ones have
// answered, and each latency is taken from its scheduled time, so a stall
// shows in the percentiles instead of slowing the load down: no
// coordinated omission). wrk measures throughput with closed connections;
// loadgen measures the tail at a fixed rate. Only loopback targets are
// allowed. Only bench/run.sh uses it.
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

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

// result is what one run prints, as one JSON line.
type result struct {
	Target   string  `json:"target"`
	Rate     int     `json:"rate"`
	Sent     int     `json:"sent"`
	OK       int     `json:"ok"`
	Non2xx   int     `json:"non_2xx"`
	Errors   int     `json:"errors"`
	Achieved float64 `json:"achieved_rate"`
	P50      string  `json:"p50"`
	P90      string  `json:"p90"`
	P99      string  `json:"p99"`
	P999     string  `json:"p99_9"`
	Max      string  `json:"max"`
	P99us    float64 `json:"p99_us"`
}

func main() {
	var hs headers
	target := flag.String("url", "", "URL to request (loopback only)")
	rate := flag.Int("rate", 2000, "requests per second")
	dur := flag.Duration("duration", 10*time.Second, "how long to send at the rate (at most 10m)")
	warmup := flag.Duration("warmup", time.Second, "sent at the rate first and not recorded")
	inflight := flag.Int("max-inflight", 512, "requests outstanding at most; later ones wait, their latency still counted from their schedule")
	name := flag.String("name", "", "target name to print")
	flag.Var(&hs, "H", "request header 'Name: value' (repeatable)")
	flag.Parse()
	if err := run(*target, *name, *rate, *dur, *warmup, *inflight, hs); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
}

func run(target, name string, rate int, dur, warmup time.Duration, inflight int, hs headers) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: want an absolute URL", target)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: only loopback targets (127.0.0.0/8, ::1)", target)
	}
	if rate <= 0 || dur <= 0 || dur > 10*time.Minute || inflight <= 0 {
		return errors.New("-rate, -duration (at most 10m) and -max-inflight must be positive")
	}
	header := http.Header{}
	for _, h := range hs {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return fmt.Errorf("-H %q: want 'Name: value'", h)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: inflight, MaxIdleConnsPerHost: inflight, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	if warmup > 0 {
		send(client, u.String(), header, rate, warmup, inflight)
	}
	r := send(client, u.String(), header, rate, dur, inflight)
	r.Target = name
	if r.Target == "" {
		r.Target = target
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// send issues rate*dur requests on schedule and returns their outcome.
func send(client *http.Client, target string, header http.Header, rate int, dur time.Duration, inflight int) result {
	n := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)
	jobs := make(chan time.Time, inflight)
	var (
		mu    sync.Mutex
		total hist
		res   = result{Rate: rate, Sent: n}
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), dur+15*time.Second)
	defer cancel()
	for range inflight {
		wg.Go(func() {
			var h hist
			ok, non2xx, errs := 0, 0, 0
			for due := range jobs {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
				req.Header = header.Clone()
				resp, err := client.Do(req)
				if err != nil {
					errs++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				h.record(time.Since(due))
				if resp.StatusCode/100 == 2 {
					ok++
				} else {
					non2xx++
				}
			}
			mu.Lock()
			total.merge(&h)
			res.OK += ok
			res.Non2xx += non2xx
			res.Errors += errs
			mu.Unlock()
		})
	}
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		jobs <- due
	}
	close(jobs)
	wg.Wait()
	res.Achieved = float64(res.OK+res.Non2xx) / time.Since(start).Seconds()
	res.P50, res.P90 = round(total.quantile(0.5)), round(total.quantile(0.9))
	res.P99, res.P999 = round(total.quantile(0.99)), round(total.quantile(0.999))
	res.Max = round(time.Duration(total.max))
	res.P99us = float64(total.quantile(0.99)) / 1e3
	return res
}

func round(d time.Duration) string { return d.Round(time.Microsecond).String() }
