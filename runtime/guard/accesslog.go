package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A logRecord is one JSON access log line as the guard would have seen the
// request: the request itself (method, target, peer, headers, body when
// logged) and what the proxy in front of the API recorded of its answer.
type logRecord struct {
	req     *http.Request
	user    string // the logged user name ($remote_user), "" when none
	at      time.Time
	status  int
	bytes   int64
	latency time.Duration
}

// LineError is a malformed access log line: where it is and why it was
// skipped.
type LineError struct {
	Name string // the log's name ("-" for stdin)
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Field names of the two JSON access log conventions the passive monitor
// reads, tried in order. NGINX logs are keyed by the names of the nginx
// variables they hold (a log_format with escape=json, "$" optional);
// Envoy's are the keys of Envoy's (and Istio's) documented JSON format.
var (
	timeKeys    = []string{"msec", "time_iso8601", "start_time", "time_local", "timestamp", "time"}
	methodKeys  = []string{"request_method", "method"}
	targetKeys  = []string{"request_uri", "path", "x_envoy_original_path"}
	statusKeys  = []string{"status", "response_code"}
	bytesKeys   = []string{"body_bytes_sent", "bytes_sent"}
	peerKeys    = []string{"remote_addr", "downstream_remote_address", "downstream_direct_remote_address"}
	userKeys    = []string{"remote_user", "user", "identity"}
	headerNames = map[string]string{ // Envoy keys naming request headers
		"user_agent": "User-Agent", "x_forwarded_for": "X-Forwarded-For", "authorization": "Authorization",
		"cookie": "Cookie", "accept": "Accept", "accept_language": "Accept-Language", "accept_encoding": "Accept-Encoding",
		"x_real_ip": "X-Real-Ip", "x_api_key": "X-Api-Key", "authority": "Host",
	}
)

// maxLogLine bounds one access log line; longer lines are skipped.
const maxLogLine = 1 << 20

// parseLogLine reads one JSON access log line, NGINX or Envoy style (see
// the keys above): time, method, target and status are required.
// Request headers come from "http_<name>" (NGINX), "req_<name>" or the
// well-known Envoy keys; "-" means absent, as both write it.
func parseLogLine(line []byte) (logRecord, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return logRecord{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return logRecord{}, errors.New("more than one JSON value on the line")
	}
	f := fields{}
	for k, v := range raw {
		f[strings.ToLower(strings.TrimPrefix(k, "$"))] = v
	}
	var rec logRecord
	var err error
	if rec.at, err = f.time(); err != nil {
		return logRecord{}, err
	}
	method, target := f.str(methodKeys...), f.str(targetKeys...)
	if method == "" || target == "" {
		// NGINX's $request is the whole request line.
		if m, rest, ok := strings.Cut(f.str("request"), " "); ok {
			t, _, _ := strings.Cut(rest, " ")
			method, target = or(method, m), or(target, t)
		}
	}
	if target == "" && f.str("uri") != "" {
		target = f.str("uri")
		if a := f.str("args"); a != "" {
			target += "?" + a
		}
	}
	if method == "" || target == "" {
		return logRecord{}, errors.New("no request method and path: want request_method and request_uri (NGINX), method and path (Envoy), or request")
	}
	u, err := url.ParseRequestURI(target)
	if err != nil || u.Path == "" {
		return logRecord{}, fmt.Errorf("request path %q is not an origin-form path", target)
	}
	if rec.status, err = f.int(statusKeys...); err != nil || rec.status < 100 || rec.status > 999 {
		return logRecord{}, fmt.Errorf("no HTTP status: want status (NGINX) or response_code (Envoy) between 100 and 999")
	}
	n, _ := f.int(bytesKeys...)
	rec.bytes = int64(max(n, 0))
	rec.latency = f.latency()
	rec.req = f.request(method, target, u)
	rec.user = f.str(userKeys...)
	return rec, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fields are a line's values by lower-case key.
type fields map[string]json.RawMessage

// str is the first of keys holding a non-empty string or number, "" when
// none does; "-" counts as empty.
func (f fields) str(keys ...string) string {
	for _, k := range keys {
		raw, ok := f[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			var n json.Number
			if json.Unmarshal(raw, &n) != nil {
				continue
			}
			s = n.String()
		}
		if s = strings.TrimSpace(s); s != "" && s != "-" {
			return s
		}
	}
	return ""
}

func (f fields) int(keys ...string) (int, error) {
	s := f.str(keys...)
	if s == "" {
		return 0, errors.New("absent")
	}
	return strconv.Atoi(s)
}

func (f fields) float(key string) (float64, bool) {
	v, err := strconv.ParseFloat(f.str(key), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0
}

// time reads the request's time: NGINX's $msec (seconds, millisecond
// precision, the one to log), $time_iso8601 or $time_local; Envoy's
// start_time (RFC 3339 with milliseconds).
func (f fields) time() (time.Time, error) {
	if s, ok := f.float("msec"); ok && s > 0 {
		sec, frac := math.Modf(s)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), nil
	}
	for _, k := range timeKeys[1:] {
		s := f.str(k)
		if s == "" {
			continue
		}
		for _, layout := range []string{time.RFC3339Nano, "02/Jan/2006:15:04:05 -0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%s %q: want RFC 3339 (time_iso8601, start_time) or 02/Jan/2006:15:04:05 -0700 (time_local)", k, s)
	}
	return time.Time{}, errors.New("no request time: want msec, time_iso8601 or time_local (NGINX) or start_time (Envoy)")
}

// latency is NGINX's $request_time (seconds) or Envoy's duration
// (milliseconds).
func (f fields) latency() time.Duration {
	if s, ok := f.float("request_time"); ok {
		return time.Duration(s * float64(time.Second))
	}
	if ms, ok := f.float("duration"); ok {
		return time.Duration(ms * float64(time.Millisecond))
	}
	return 0
}

// request rebuilds the request the log line describes, so the guard reads
// credentials, address, device and business fields from it exactly as it
// reads a live one.
func (f fields) request(method, target string, u *url.URL) *http.Request {
	h := http.Header{}
	for k := range f {
		name := ""
		switch {
		case strings.HasPrefix(k, "http_"):
			name = k[len("http_"):]
		case strings.HasPrefix(k, "req_"):
			name = k[len("req_"):]
		default:
			name = headerNames[k]
		}
		if name == "" {
			continue
		}
		if v := f.str(k); v != "" {
			h.Set(strings.ReplaceAll(name, "_", "-"), v)
		}
	}
	r := &http.Request{
		Method: strings.ToUpper(method), URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: h.Get("Host"), RemoteAddr: f.str(peerKeys...), Body: http.NoBody,
	}
	h.Del("Host")
	if body := f.str("request_body"); body != "" {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r
}
