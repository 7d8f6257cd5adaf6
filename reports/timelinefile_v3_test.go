package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// v1Line is an exchange line of version 1: encoding/json's whole struct.
func v1Line(x *scenarios.Exchange) []byte {
	b, err := json.Marshal(map[string]any{"x": x})
	if err != nil {
		panic(err)
	}
	return b
}

// v2Line is an exchange line of version 2: version 1's less zero numbers,
// false, empty strings, and FirstByte and Done equal to Sent.
func v2Line(x *scenarios.Exchange) []byte {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(x.AppendJSON(nil), &fields); err != nil {
		panic(err)
	}
	for k, v := range fields {
		if s := string(v); s == "0" || s == "false" || s == `""` {
			delete(fields, k)
		}
	}
	for k, t := range map[string]time.Time{"FirstByte": x.FirstByte, "Done": x.Done} {
		if t.Equal(x.Sent) && t.Location() == x.Sent.Location() {
			delete(fields, k)
		}
	}
	b, err := json.Marshal(map[string]any{"x": fields})
	if err != nil {
		panic(err)
	}
	return b
}

// writeOldTimeline writes exchanges as a timeline file of version 1 or 2.
func writeOldTimeline(t *testing.T, version int, exchanges []scenarios.Exchange) string {
	t.Helper()
	line := map[int]func(*scenarios.Exchange) []byte{1: v1Line, 2: v2Line}[version]
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, `{"version":%d,"start":%q,"end":%q,"scenarios":[]}`+"\n", version, base.Format(time.RFC3339Nano), at(2000).Format(time.RFC3339Nano))
	for i := range exchanges {
		fmt.Fprintf(zw, "%s\n", line(&exchanges[i]))
	}
	require.NoError(t, zw.Close())
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.jsonl.gz", version))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// writeV3 writes exchanges through a TimelineWriter and reads them back.
func writeV3(t testing.TB, exchanges []scenarios.Exchange) []scenarios.Exchange {
	got, _ := writeV3File(t, exchanges)
	return got
}

// writeV3File is writeV3, and the file's path.
func writeV3File(t testing.TB, exchanges []scenarios.Exchange) ([]scenarios.Exchange, string) {
	dir := t.TempDir()
	path := filepath.Join(dir, TimelineFileName)
	w := &TimelineWriter{Dir: dir}
	defer w.Close()
	for i := range exchanges {
		w.Add(&exchanges[i])
	}
	require.NoError(t, w.WriteFile(path, scenarios.Timeline{Start: base, End: at(2000)}, nil, ""))
	got, _, _, err := ReadTimelineFile(path)
	require.NoError(t, err)
	return got.Exchanges, path
}

// randomExchanges makes n exchanges of a few VUs of a few scenarios whose
// sessions, tokens and devices change now and then, with the values a
// line encoder treats apart: empty, unicode, quotes and HTML in strings,
// correlation ids made and not made as the VUs make them, zero, equal,
// earlier and later answer times, times out of an int64 of nanoseconds
// and off UTC, errors, outcomes other than the status's, enums without a
// name. Strings are valid UTF-8 (JSON has no other).
func randomExchanges(r *rand.Rand, n int) []scenarios.Exchange {
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	scenariosOf := []string{"benign-shoppers", "enumeration-get-users-id", "a-b", "", "ünïcode \"q\" <&>"}
	type vuState struct {
		session, identity, token, addr, fingerprint string
		actor                                       scenarios.Actor
		seq                                         int
	}
	vus := map[[2]int]*vuState{}
	berlin := time.FixedZone("", 2*3600)
	out := make([]scenarios.Exchange, n)
	for i := range out {
		sc, vu := r.IntN(len(scenariosOf)), r.IntN(6)-1
		st := vus[[2]int{sc, vu}]
		if st == nil || r.IntN(20) == 0 {
			st = &vuState{session: pick("", "s/1", fmt.Sprintf("sess/%d", i)), identity: pick("", "sophia.patel", "ユーザー", `a"b\c`),
				token: pick("", "tok-5eb96b6260f0", fmt.Sprintf("tok-%d", i)), addr: pick("", "127.0.0.51", "::1"),
				fingerprint: pick("", "chrome-macos-49"), actor: scenarios.Actor(r.IntN(4)), seq: r.IntN(3)}
			vus[[2]int{sc, vu}] = st
		}
		st.seq++
		scenario := scenariosOf[sc]
		sent := base.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		switch r.IntN(12) {
		case 0:
			sent = time.Time{}
		case 1:
			sent = sent.In(berlin)
		case 2:
			sent = time.Date(2500, 1, 1, 0, 0, 0, r.IntN(1e9), time.UTC) // past int64 nanoseconds
		case 3:
			sent = time.Unix(0, 0).UTC()
		}
		answer := func() time.Time {
			switch r.IntN(8) {
			case 0:
				return time.Time{}
			case 1:
				return sent.Add(-time.Duration(r.IntN(1e6)))
			case 2:
				return sent.Add(time.Duration(r.Int64N(int64(time.Hour)))).In(berlin)
			case 3:
				return time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
			case 4, 5:
				return sent.Add(time.Duration(r.Int64N(int64(time.Second))))
			}
			return sent
		}
		x := scenarios.Exchange{
			Scenario: scenario, VU: vu, Iteration: r.IntN(3), Actor: st.actor, Session: st.session, Identity: st.identity,
			TokenID: st.token, Addr: st.addr, Fingerprint: st.fingerprint,
			CorrelationID: pick(fmt.Sprintf("%s-%d-%d", scenario, vu, st.seq), fmt.Sprintf("%s-%d-0%d", scenario, vu, st.seq), "",
				fmt.Sprintf("%s-%d-", scenario, vu), fmt.Sprintf("%s-%d-%d-x", scenario, vu, st.seq), "other \u2028 id"),
			Method: pick("GET", "POST", ""), Route: pick("/users/{id}", "/products", ""),
			Path:    pick("/users/100", "/products?page=2&q=\"x\"", "/ünï/<script>", "", "/a\\b\n\t"),
			Abusive: r.IntN(2) == 0, Sent: sent, FirstByte: answer(), Done: answer(),
			Status: []int{0, 200, 403, 404, 429, 500}[r.IntN(6)], Bytes: r.Int64N(3) * r.Int64N(1<<40), Leak: r.IntN(3) - 1,
			Err: pick("", "", "dial tcp: refused \"x\""), Refused: pick("", "", "http://elsewhere/?a=<b>"),
		}
		x.Outcome = scenarios.Classify(x.Status)
		if r.IntN(4) == 0 {
			x.Outcome = scenarios.Outcome(r.IntN(6)) // 5 has no name
		}
		out[i] = x
	}
	return out
}

// asJSONWouldRead is x with its times as encoding/json reads them back:
// without a monotonic reading, in UTC when written at its offset, else
// at a fixed offset or Local. Versions 1 and 2 read times so.
func asJSONWouldRead(t *testing.T, x scenarios.Exchange) scenarios.Exchange {
	for _, p := range []*time.Time{&x.Sent, &x.FirstByte, &x.Done} {
		b, err := p.MarshalJSON()
		require.NoError(t, err)
		require.NoError(t, p.UnmarshalJSON(b))
	}
	return x
}

// Every field of every exchange written as version 3 reads back as it
// was written (times as encoding/json reads them: versions 1 and 2 read
// them so), and a version-2 file of the same exchanges reads the same.
func TestTimelineV3RoundTrip(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			exchanges := randomExchanges(rand.New(rand.NewPCG(seed, 1)), 3000)
			want := make([]scenarios.Exchange, len(exchanges))
			for i := range exchanges {
				want[i] = asJSONWouldRead(t, exchanges[i])
			}
			got := writeV3(t, exchanges)
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, want[i], got[i], "exchange %d", i)
			}

			// Version 2 cannot write an actor or outcome without a name.
			var named []scenarios.Exchange
			for _, x := range exchanges {
				if x.Actor >= scenarios.Benign && x.Actor <= scenarios.Attacker && x.Outcome <= scenarios.OutcomeError {
					named = append(named, x)
				}
			}
			v2, _, _, err := ReadTimelineFile(writeOldTimeline(t, 2, named))
			require.NoError(t, err)
			assert.Equal(t, v2.Exchanges, writeV3(t, named))
		})
	}
}

// Times in UTC, as a simulated run's are, read back exactly, and so do
// a zero time and times past an int64 of nanoseconds.
func TestTimelineV3TimesExact(t *testing.T) {
	sent := time.Date(2026, 1, 1, 0, 2, 51, 946006136, time.UTC)
	for name, x := range map[string]scenarios.Exchange{
		"simulated":   {Sent: sent, FirstByte: sent, Done: sent},
		"took time":   {Sent: sent, FirstByte: sent.Add(5), Done: sent.Add(time.Hour)},
		"no answer":   {Sent: sent, Done: sent.Add(time.Second)},
		"zero":        {},
		"far":         {Sent: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), FirstByte: time.Date(1000, 1, 1, 0, 0, 0, 1, time.UTC)},
		"before 1970": {Sent: time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC), Done: sent},
		"overflow":    {Sent: time.Unix(0, -1<<63).UTC(), FirstByte: time.Unix(0, 1<<63-1).UTC()},
	} {
		t.Run(name, func(t *testing.T) {
			got := writeV3(t, []scenarios.Exchange{x})
			assert.Equal(t, []scenarios.Exchange{x}, got)
		})
	}
}

// A correlation id is written as its sequence number only where the
// reader makes the same id of it.
func TestCorrelationSeq(t *testing.T) {
	tests := []struct {
		scenario string
		vu       int
		id       string
		want     int64
		ok       bool
	}{
		{"benign-shoppers", 49, "benign-shoppers-49-2", 2, true},
		{"s", 0, "s-0-0", 0, true},
		{"a-b", -1, "a-b--1-5", 5, true},
		{"", 3, "-3-7", 7, true},
		{"s", 1, "s-1-07", 0, false},
		{"s", 1, "s-1-", 0, false},
		{"s", 1, "s-1-+7", 0, false},
		{"s", 1, "s-1--7", 0, false},
		{"s", 1, "s-12-7", 0, false},
		{"s", 1, "t-1-7", 0, false},
		{"s", 1, "s-1-7 ", 0, false},
		{"s", 1, "s-1-1234567890123456789", 0, false},
		{"s", 1, "", 0, false},
		{"s", 1, "s-01-7", 0, false},
		{"s", 10, "s-1-7", 0, false},
		{"s", -1, "s-1-7", 0, false},
		{"s", 1, "s--1-7", 0, false},
		{"s", 123, "s-123-123456789012345678", 123456789012345678, true},
		{"s", 123456789012345678, "s-123456789012345678-9", 9, true},
		{"s", 1, "s-1-0", 0, true},
		{"s", 1, "s-1-00", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			x := scenarios.Exchange{Scenario: tt.scenario, VU: tt.vu, CorrelationID: tt.id}
			n, ok := correlationSeq(&x)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, n)
			if ok {
				got, err := decodeCorrelationID(json.RawMessage(fmt.Sprint(n)), &x)
				require.NoError(t, err)
				assert.Equal(t, tt.id, got)
			}
		})
	}
}

// Every line, the session and operation lines too, passes through
// Redact: a secret in any field reaches the file only redacted.
func TestTimelineV3Redacts(t *testing.T) {
	const secret = "hunter2-secret"
	x := scenarios.Exchange{Scenario: "s", VU: 1, Actor: scenarios.Attacker, Session: secret + "/1", Identity: secret,
		TokenID: secret, Addr: secret, Fingerprint: secret, CorrelationID: secret, Method: secret, Route: secret,
		Path: "/p?k=" + secret, Sent: base, FirstByte: base, Done: base, Status: 200, Outcome: scenarios.OutcomeSuccess,
		Err: secret, Refused: secret}
	dir := t.TempDir()
	path := filepath.Join(dir, TimelineFileName)
	var lines int
	w := &TimelineWriter{Dir: dir, Redact: func(b []byte) []byte {
		lines++
		return bytes.ReplaceAll(b, []byte(secret), []byte("[REDACTED]"))
	}}
	defer w.Close()
	w.Add(&x)
	require.NoError(t, w.WriteFile(path, scenarios.Timeline{Start: base, End: at(1)}, nil, ""))
	assert.Equal(t, 4, lines, "header, session, operation and exchange lines")
	raw := unzipFile(t, path)
	assert.NotContains(t, string(raw), secret)
	assert.Contains(t, string(raw), `"Identity":"[REDACTED]"`)
	got, _, _, err := ReadTimelineFile(path)
	require.NoError(t, err)
	require.Len(t, got.Exchanges, 1)
	assert.Equal(t, "[REDACTED]", got.Exchanges[0].TokenID)
	assert.Equal(t, "/p?k=[REDACTED]", got.Exchanges[0].Path)
}

func unzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	return raw
}

// Lines a version-3 reader refuses name the line and say why.
func TestTimelineV3BadLines(t *testing.T) {
	const head = `{"version":3,"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:01Z","scenarios":[]}` + "\n"
	const sess = `{"s":{"n":1,"Scenario":"s"}}` + "\n" + `{"o":{"n":1,"Method":"GET"}}` + "\n"
	tests := []struct {
		name, lines, want string
	}{
		{"no header", "", "line 1 (header)"},
		{"unknown session", head + `{"o":{"n":1}}` + "\n" + `{"x":{"s":1,"o":1,"t":1}}`, "line 3: exchange of session 1, but 0 sessions are defined above it"},
		{"unknown operation", head + `{"s":{"n":1}}` + "\n" + `{"x":{"s":1,"o":2,"t":1}}`, "line 3: exchange of operation 2, but 0 operations"},
		{"session out of order", head + `{"s":{"n":2}}`, "line 2: session 2, want 1"},
		{"no send time", head + sess + `{"x":{"s":1,"o":1}}`, `line 4: no send time ("t")`},
		{"bad time", head + sess + `{"x":{"s":1,"o":1,"t":1.5}}`, `line 4: "t": 1.5 is neither`},
		{"bad outcome", head + sess + `{"x":{"s":1,"o":1,"t":1,"out":"great"}}`, `line 4: "out": unknown outcome "great"`},
		{"bad actor", head + `{"s":{"n":1,"Actor":"robot"}}`, `line 2: session 1: Actor: unknown actor "robot"`},
		{"bad correlation", head + sess + `{"x":{"s":1,"o":1,"t":1,"c":-3}}`, `line 4: "c": -3 is neither`},
		{"not a line kind", head + `{"y":1}`, "line 2: neither a decision"},
		{"not json", head + sess + `{"x":`, "line 4: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readTimeline(bytes.NewReader([]byte(tt.lines)))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// The version-3 line reader never panics on any input, and whatever it
// refuses names the line.
func FuzzReadTimelineV3(f *testing.F) {
	var b bytes.Buffer
	b.WriteString(`{"version":3,"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:01Z","scenarios":[]}` + "\n")
	var enc lineEncoder
	for _, x := range randomExchanges(rand.New(rand.NewPCG(1, 2)), 20) {
		if n, fresh := enc.session(&x); fresh {
			b.Write(appendSession(nil, n, &x))
			b.WriteByte('\n')
		}
		if n, fresh := enc.operation(&x); fresh {
			b.Write(appendOperation(nil, n, &x))
			b.WriteByte('\n')
		}
		s, _ := enc.session(&x)
		o, _ := enc.operation(&x)
		b.Write(appendExchange(nil, s, o, &x))
		b.WriteByte('\n')
	}
	f.Add(b.Bytes())
	f.Add([]byte(`{"version":3}` + "\n" + `{"s":{"n":1}}` + "\n" + `{"o":{"n":1}}` + "\n" + `{"x":{"s":1,"o":1,"t":"0001-01-01T00:00:00Z","fb":null,"c":"x","out":9}}`))
	f.Add([]byte(`{"version":3}` + "\n" + `{"d":{}}` + "\n\n" + `{"x":{"s":0}}`))
	named := regexp.MustCompile(`^line \d+|^version -?\d+`)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := readTimeline(bytes.NewReader(data))
		if err != nil && !named.MatchString(err.Error()) {
			t.Fatalf("error names no line: %v", err)
		}
	})
}

// Adding an exchange allocates nothing once its VU and operation are
// known.
func TestTimelineWriterAddAllocatesNothing(t *testing.T) {
	exchanges := dayLikeExchanges(1000)
	w := &TimelineWriter{Dir: t.TempDir(), Redact: func(b []byte) []byte { return b }}
	defer w.Close()
	for i := range exchanges {
		w.Add(&exchanges[i])
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		w.Add(&exchanges[i%len(exchanges)])
		i++
	})
	assert.Zero(t, allocs)
}

// dayLikeExchanges are n exchanges as a simulated day's: 500 shoppers'
// sessions in turn, reading a few routes, answered at once.
func dayLikeExchanges(n int) []scenarios.Exchange {
	const vus = 500
	names := make([]struct{ session, identity, token, addr, fingerprint string }, vus)
	for v := range names {
		names[v].session = fmt.Sprintf("benign-shoppers/vu%d/1", v)
		names[v].identity = fmt.Sprintf("user%d", v)
		names[v].token = fmt.Sprintf("tok-%012x", v*7919)
		names[v].addr = fmt.Sprintf("127.0.%d.%d", v/250, 1+v%250)
		names[v].fingerprint = fmt.Sprintf("chrome-macos-%d", v)
	}
	routes := []struct{ route, path string }{{"/products", "/products?page=2"}, {"/products/{id}", "/products/17"}, {"/users/{id}", "/users/100"}}
	out := make([]scenarios.Exchange, n)
	sent := base
	for i := range out {
		v := i % vus
		rt := routes[i%len(routes)]
		sent = sent.Add(time.Duration(1 + i*7919%200_000_000))
		out[i] = scenarios.Exchange{Scenario: "benign-shoppers", VU: v, Iteration: i / vus / 10, Actor: scenarios.Benign,
			Session: names[v].session, Identity: names[v].identity, TokenID: names[v].token, Addr: names[v].addr,
			CorrelationID: fmt.Sprintf("benign-shoppers-%d-%d", v, i/vus+1), Fingerprint: names[v].fingerprint,
			Method: "GET", Route: rt.route, Path: rt.path, Sent: sent, FirstByte: sent, Done: sent,
			Status: 200, Bytes: int64(100 + i%90), Outcome: scenarios.OutcomeSuccess}
	}
	return out
}

// BenchmarkTimelineWriterAdd is the cost of one exchange of a simulated
// day to the timeline file, encoded and gzipped (without Redact), and the
// file's bytes per exchange.
func BenchmarkTimelineWriterAdd(b *testing.B) {
	exchanges := dayLikeExchanges(20_000)
	w := &TimelineWriter{Dir: b.TempDir()}
	defer w.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Add(&exchanges[i%len(exchanges)])
		i++
	}
	b.StopTimer()
	path := filepath.Join(b.TempDir(), TimelineFileName)
	if err := w.WriteFile(path, scenarios.Timeline{Start: base, End: at(1)}, nil, ""); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/float64(i), "file-B/op")
	}
}

// TestAppendInt: appendInt writes what strconv.AppendInt does, at every
// digit count and sign, after any prefix.
func TestAppendInt(t *testing.T) {
	vs := []int64{0, 1, 9, 10, 99, 100, 12345678, 99_999_999, 100_000_000, 1e15 - 1, 1e15, 1e16 - 1, 1e16, 1e17 + 7,
		1767225771946006136, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, -1, -100_000_000}
	for p := int64(1); p > 0 && p <= math.MaxInt64/10; p *= 10 {
		vs = append(vs, p-1, p, p+1, -p, 3*p)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		vs = append(vs, rng.Int64()>>rng.IntN(64), -rng.Int64()>>rng.IntN(64))
	}
	for _, v := range vs {
		for _, prefix := range []string{"", `,"t":`} {
			got := string(appendInt([]byte(prefix), v))
			if want := prefix + strconv.FormatInt(v, 10); got != want {
				t.Fatalf("appendInt(%q, %d) = %q, want %q", prefix, v, got, want)
			}
		}
	}
}

// VUs and operations that share a slot of the encoder's tables of recent
// look-ups (by VU number and scenario length, by route and method
// length) take turns in it: each still gets its own session and
// operation line, written once while its values stay, and reads back.
func TestLineEncoderRecentTablesCollide(t *testing.T) {
	vus := []struct {
		scenario string
		vu       int
	}{{"s", 0}, {"s", 1024}, {"", 37}, {"t", 2048}}
	ops := []struct{ method, route string }{{"GET", "/a"}, {"GET", "/b"}, {"PUT", "/a"}}
	var xs []scenarios.Exchange
	for i := range 60 {
		v, o := vus[i%len(vus)], ops[i%len(ops)]
		xs = append(xs, scenarios.Exchange{Scenario: v.scenario, VU: v.vu, Session: fmt.Sprint("session-", i/30),
			Method: o.method, Route: o.route, Path: o.route, Sent: at(i), FirstByte: at(i), Done: at(i), Status: 200,
			Outcome: scenarios.OutcomeSuccess})
	}
	got, path := writeV3File(t, xs)
	assert.Equal(t, xs, got)
	raw := string(unzipFile(t, path))
	assert.Equal(t, 2*len(vus), strings.Count(raw, "\n{\"s\":"), "a session line per VU and session")
	assert.Equal(t, len(ops), strings.Count(raw, "\n{\"o\":"), "an operation line per operation")
}
