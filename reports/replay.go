package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// An attack replay pack is every exchange of a run in two files other
// detectors can be tested with as code: replay.har (HAR 1.2, what a
// browser's or proxy's tooling replays) and replay.jsonl (one labelled
// exchange a line: who sent it, whether it was abusive, and the verdict a
// detector is expected to reach).

// Capture is what the harness kept of one exchange beyond the timeline:
// headers and (bounded) bodies. Secrets must already be redacted or be
// redacted by the writer's redact function.
type Capture struct {
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
}

// Expected verdicts a replayed exchange is labelled with.
const (
	// ExpectMalicious: the request carries out the misuse; a detector
	// should flag it (and a guard deny it once it has seen enough).
	ExpectMalicious = "malicious"
	// ExpectAttackerSetup: an attacker's set-up request (a login before
	// the attack); flagging it is fine, it is not the misuse itself.
	ExpectAttackerSetup = "attacker-setup"
	// ExpectBenign: a benign user's request; flagging it is a false
	// positive.
	ExpectBenign = "benign"
)

// ReplayLine is one line of replay.jsonl.
type ReplayLine struct {
	CorrelationID string    `json:"correlation_id"`
	Scenario      string    `json:"scenario"`
	Actor         string    `json:"actor"`
	Expected      string    `json:"expected_verdict"`
	Abusive       bool      `json:"abusive"`
	Identity      string    `json:"identity,omitempty"`
	TokenID       string    `json:"token_id,omitempty"`
	Addr          string    `json:"addr,omitempty"`
	Fingerprint   string    `json:"fingerprint,omitempty"`
	Method        string    `json:"method"`
	URL           string    `json:"url"`
	Route         string    `json:"route,omitempty"`
	Sent          time.Time `json:"sent"`
	Status        int       `json:"status"`
	Outcome       string    `json:"outcome"`
	Leak          int       `json:"leak,omitempty"`
	Error         string    `json:"error,omitempty"`
}

// sensitiveHeaders never reach a replay pack with their values.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key"}

// WriteReplay writes replay.har and replay.jsonl into dir (atomically)
// from a run's exchanges, in send order. target is the base URL paths are
// resolved against; capture returns what was kept of an exchange by
// correlation id (nil: nothing); redact, when set, is applied to both
// files before they are written.
func WriteReplay(dir, target, tool string, xs []scenarios.Exchange, capture func(corr string) (Capture, bool), redact func([]byte) []byte) ([]string, error) {
	base, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("reports: replay: target %q: %w", target, err)
	}
	xs = slices.Clone(xs)
	slices.SortStableFunc(xs, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	enc.SetEscapeHTML(false)
	h := har{Log: harLog{Version: "1.2", Creator: harCreator{Name: "abusegate", Version: tool}, Entries: []harEntry{}}}
	for _, x := range xs {
		u := base.JoinPath()
		if ref, err := url.Parse(x.Path); err == nil {
			u = base.ResolveReference(ref)
		}
		if err := enc.Encode(replayLine(x, u.String())); err != nil {
			return nil, fmt.Errorf("reports: replay: %w", err)
		}
		var c Capture
		if capture != nil {
			c, _ = capture(x.CorrelationID)
		}
		h.Log.Entries = append(h.Log.Entries, harEntryOf(x, u, c))
	}
	var hb bytes.Buffer
	henc := json.NewEncoder(&hb)
	henc.SetIndent("", " ")
	henc.SetEscapeHTML(false)
	if err := henc.Encode(h); err != nil {
		return nil, fmt.Errorf("reports: replay: %w", err)
	}
	var paths []string
	for _, f := range []struct {
		name string
		data []byte
	}{{"replay.har", hb.Bytes()}, {"replay.jsonl", lines.Bytes()}} {
		data := f.data
		if redact != nil {
			data = redact(data)
		}
		p := filepath.Join(dir, f.name)
		if err := writeAtomic(p, data); err != nil {
			return paths, fmt.Errorf("reports: write %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func replayLine(x scenarios.Exchange, u string) ReplayLine {
	exp := ExpectBenign
	if x.Actor == scenarios.Attacker {
		exp = ExpectAttackerSetup
		if x.Abusive {
			exp = ExpectMalicious
		}
	}
	return ReplayLine{
		CorrelationID: x.CorrelationID, Scenario: x.Scenario, Actor: x.Actor.String(), Expected: exp, Abusive: x.Abusive,
		Identity: x.Identity, TokenID: x.TokenID, Addr: x.Addr, Fingerprint: x.Fingerprint,
		Method: x.Method, URL: u, Route: x.Route, Sent: x.Sent, Status: x.Status, Outcome: x.Outcome.String(),
		Leak: x.Leak, Error: x.Err,
	}
}

type har struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	Started  string      `json:"startedDateTime"`
	Time     float64     `json:"time"`
	Request  harRequest  `json:"request"`
	Response harResponse `json:"response"`
	Cache    struct{}    `json:"cache"`
	Timings  harTimings  `json:"timings"`
	Label    ReplayLabel `json:"_abusegate"`
}

// ReplayLabel is HAR's custom field on each entry (HAR allows names
// starting with an underscore): the same label as replay.jsonl.
type ReplayLabel struct {
	CorrelationID string `json:"correlation_id"`
	Scenario      string `json:"scenario"`
	Actor         string `json:"actor"`
	Expected      string `json:"expected_verdict"`
	Outcome       string `json:"outcome"`
}

type harRequest struct {
	Method      string     `json:"method"`
	URL         string     `json:"url"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	QueryString []harNV    `json:"queryString"`
	PostData    *harPost   `json:"postData,omitempty"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
	Comment     string     `json:"comment,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
	Comment     string     `json:"comment,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPost struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

func harEntryOf(x scenarios.Exchange, u *url.URL, c Capture) harEntry {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	wait, recv := max(x.FirstByte.Sub(x.Sent), 0), max(x.Done.Sub(x.FirstByte), 0)
	e := harEntry{
		Started: x.Sent.UTC().Format(time.RFC3339Nano),
		Time:    ms(max(x.Done.Sub(x.Sent), 0)),
		Request: harRequest{
			Method: x.Method, URL: u.String(), HTTPVersion: "HTTP/1.1", Cookies: []struct{}{},
			Headers:     headersOf(c.RequestHeader),
			QueryString: []harNV{}, HeadersSize: -1, BodySize: len(c.RequestBody),
		},
		Response: harResponse{
			Status: x.Status, StatusText: http.StatusText(x.Status), HTTPVersion: "HTTP/1.1", Cookies: []struct{}{},
			Headers:     headersOf(c.ResponseHeader),
			Content:     harContent{Size: x.Bytes, MimeType: c.ResponseHeader.Get("Content-Type"), Text: string(c.ResponseBody)},
			HeadersSize: -1, BodySize: int(x.Bytes), Comment: x.Err,
		},
		Timings: harTimings{Send: 0, Wait: ms(wait), Receive: ms(recv)},
		Label: ReplayLabel{CorrelationID: x.CorrelationID, Scenario: x.Scenario, Actor: x.Actor.String(),
			Expected: replayLine(x, "").Expected, Outcome: x.Outcome.String()},
	}
	e.Request.Headers = append(e.Request.Headers, harNV{Name: scenarios.CorrelationHeader, Value: x.CorrelationID})
	for k, vs := range u.Query() {
		for _, v := range vs {
			e.Request.QueryString = append(e.Request.QueryString, harNV{Name: k, Value: v})
		}
	}
	slices.SortFunc(e.Request.QueryString, func(a, b harNV) int { return strings.Compare(a.Name+a.Value, b.Name+b.Value) })
	if len(c.RequestBody) > 0 {
		mt := c.RequestHeader.Get("Content-Type")
		if mt == "" {
			mt = "application/octet-stream"
		}
		e.Request.PostData = &harPost{MimeType: mt, Text: string(c.RequestBody)}
	}
	return e
}

// headersOf lists h sorted, sensitive values redacted.
func headersOf(h http.Header) []harNV {
	out := []harNV{}
	for k, vs := range h {
		for _, v := range vs {
			for _, s := range sensitiveHeaders {
				if strings.EqualFold(k, s) {
					v = "[REDACTED]"
				}
			}
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	slices.SortFunc(out, func(a, b harNV) int { return strings.Compare(a.Name+a.Value, b.Name+b.Value) })
	return out
}
