package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Stream follows a remote guard's decision stream (GET /decisions/stream,
// server-sent events of JSON scenarios.Decision) while the run goes on,
// and when it is over reads GET /decisions once more, so that decisions
// still in flight when the last request returned are not lost.
type Stream struct {
	// URL is the stream, such as http://127.0.0.1:9090/decisions/stream.
	URL string
	// Token is the admin API's bearer token, if it needs one.
	Token string
	// Client reaches the admin API; nil means a plain client.
	Client *http.Client

	mu   sync.Mutex
	seen map[string]bool
	ds   []scenarios.Decision
	err  error
	done chan struct{}
	stop context.CancelFunc
}

var _ Source = (*Stream)(nil)

// Name implements Source.
func (*Stream) Name() string { return "guard-stream" }

func (s *Stream) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{}
}

func (s *Stream) get(ctx context.Context, url, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp, nil
}

// Start implements Source: it connects and returns once the guard has
// answered, so every later decision reaches the stream.
func (s *Stream) Start(ctx context.Context) error {
	ctx, s.stop = context.WithCancel(ctx)
	s.seen, s.done = map[string]bool{}, make(chan struct{})
	resp, err := s.get(ctx, s.URL, "text/event-stream")
	if err != nil {
		s.stop()
		close(s.done)
		return fmt.Errorf("decision stream: %w", err)
	}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		err := readEvents(bufio.NewReader(resp.Body), s.add)
		if err != nil && ctx.Err() == nil {
			s.mu.Lock()
			s.err = fmt.Errorf("decision stream %s: %w", s.URL, err)
			s.mu.Unlock()
		}
	}()
	return nil
}

func (s *Stream) add(d scenarios.Decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.ID != "" && s.seen[d.ID] {
		return
	}
	s.seen[d.ID] = true
	s.ds = append(s.ds, d)
}

// Decisions implements Source: it reconciles with GET /decisions, then
// closes the stream.
func (s *Stream) Decisions(ctx context.Context, _ scenarios.Timeline) ([]scenarios.Decision, error) {
	var errs []error
	if base, ok := strings.CutSuffix(s.URL, "/stream"); ok {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := s.get(rctx, base, "application/json")
		if err == nil {
			var all []scenarios.Decision
			err = json.NewDecoder(resp.Body).Decode(&all)
			resp.Body.Close()
			for _, d := range all {
				s.add(d)
			}
		}
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile: %w", err))
		}
	}
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		errs = append(errs, s.err)
	}
	return append([]scenarios.Decision(nil), s.ds...), errors.Join(errs...)
}

// readEvents reads server-sent events until the stream ends, passing each
// "decision" event's JSON data to fn. Other events and comments are
// skipped; a malformed decision is an error.
func readEvents(r *bufio.Reader, fn func(scenarios.Decision)) error {
	var event string
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if data.Len() > 0 && (event == "" || event == "decision") {
				var d scenarios.Decision
				if err := json.Unmarshal([]byte(data.String()), &d); err != nil {
					return fmt.Errorf("decision event: %w", err)
				}
				fn(d)
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}
