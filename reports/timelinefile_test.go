package reports

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// A timeline streamed through a TimelineWriter reads back as the timeline
// it was fed (merge sorts the exchanges by send time, so they may come in
// any order), and the file can be written again.
func TestTimelineWriterReadsBack(t *testing.T) {
	tl := fixedTimeline()
	tl.Dropped = map[string]int64{"enumeration-get-users-id": 3}
	tl.Exchanges[0].Identity = "secret-user"
	scs := []scenarios.Scenario{{ID: "enumeration-get-users-id", Kind: "rest.enumeration", Title: "t", LeakUnit: "records"}}
	redact := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("secret-user"), []byte("[redacted]")) }
	want := tl
	want.Exchanges = slices.Clone(tl.Exchanges)
	want.Exchanges[0].Identity = "[redacted]"
	slices.SortStableFunc(want.Exchanges, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })

	dir := t.TempDir()
	w := &TimelineWriter{Redact: redact, Dir: dir}
	defer w.Close()
	for i := len(tl.Exchanges) - 1; i >= 0; i-- { // out of send order
		w.Add(&tl.Exchanges[i])
	}
	for _, name := range []string{"a", "b"} {
		path := filepath.Join(dir, name, TimelineFileName)
		require.NoError(t, w.WriteFile(path, scenarios.Timeline{Start: tl.Start, End: tl.End, Decisions: tl.Decisions, Dropped: tl.Dropped}, scs, "0/2"))
		got, gotScs, seg, err := ReadTimelineFile(path)
		require.NoError(t, err)
		assert.Equal(t, "0/2", seg)
		assert.Equal(t, scs, gotScs)
		assert.Equal(t, want.Start, got.Start)
		assert.Equal(t, want.Dropped, got.Dropped)
		assert.Equal(t, want.Decisions, got.Decisions)
		slices.SortStableFunc(got.Exchanges, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
		assert.Equal(t, want.Exchanges, got.Exchanges)
	}
	w.Add(&tl.Exchanges[0])
	assert.Error(t, w.WriteFile(filepath.Join(dir, "c", TimelineFileName), tl, scs, ""), "nothing may be added once the file is written")
	require.NoError(t, w.Close())
	assert.Error(t, w.WriteFile(filepath.Join(dir, "d", TimelineFileName), tl, scs, ""), "the exchanges are gone once closed")
	matches, err := filepath.Glob(filepath.Join(dir, "abusegate-timeline-*"))
	require.NoError(t, err)
	assert.Empty(t, matches, "Close removes the spill file")
}

// An empty run still writes a file that reads back.
func TestTimelineWriterEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), TimelineFileName)
	var w TimelineWriter
	require.NoError(t, w.WriteFile(path, scenarios.Timeline{Start: base, End: at(1000)}, nil, ""))
	got, _, _, err := ReadTimelineFile(path)
	require.NoError(t, err)
	assert.Empty(t, got.Exchanges)
	assert.Equal(t, base, got.Start)
}

// The compact lines lose nothing: exchanges with an answer taking no time
// (simulated), one taking time, one with no answer at all (zero
// FirstByte), and zero and set values of every field left out when zero
// read back as they were written; files of versions 1 and 2 still read.
func TestTimelineCompactLinesReadBack(t *testing.T) {
	sent := at(1000)
	exchanges := []scenarios.Exchange{
		{Scenario: "s", VU: 1, Actor: scenarios.Benign, Method: "GET", Path: "/p", Sent: sent, FirstByte: sent, Done: sent, Status: 200, Outcome: scenarios.OutcomeSuccess},
		{Scenario: "s", VU: 2, Iteration: 3, Actor: scenarios.Attacker, Session: "a/1", Identity: "u", TokenID: "tok-1", Addr: "127.0.0.2",
			CorrelationID: "s-2-1", Fingerprint: "fp", Method: "GET", Route: "/r/{id}", Path: "/r/1", Abusive: true,
			Sent: sent, FirstByte: at(1005), Done: at(1009), Status: 200, Bytes: 42, Outcome: scenarios.OutcomeSuccess, Leak: 1},
		{Scenario: "s", VU: 3, Actor: scenarios.Attacker, Method: "POST", Path: "/p", Sent: sent, Done: at(1030),
			Outcome: scenarios.OutcomeError, Err: "no answer", Refused: "http://elsewhere/"},
		{Scenario: "s", VU: 4, Actor: scenarios.Attacker, Method: "GET", Path: "/p", Sent: sent, FirstByte: at(1002), Done: at(1002), Status: 403, Outcome: scenarios.OutcomeDenied},
	}
	assert.Equal(t, exchanges, writeV3(t, exchanges))

	for version, line := range map[int]func(*scenarios.Exchange) []byte{1: v1Line, 2: v2Line} {
		got, _, _, err := ReadTimelineFile(writeOldTimeline(t, version, exchanges))
		require.NoError(t, err, "version %d", version)
		assert.Equal(t, exchanges, got.Exchanges, "version %d", version)
		var short, long int
		for i := range exchanges {
			long += len(line(&exchanges[i]))
			short += len(appendExchange(nil, 1, 1, &exchanges[i]))
		}
		assert.Less(t, short, long, "version 3 is shorter than version %d", version)
	}

	// A file from a newer writer says so.
	var v9 bytes.Buffer
	zw := gzip.NewWriter(&v9)
	fmt.Fprintf(zw, `{"version":9,"start":%q,"end":%q,"scenarios":[]}`+"\n", base.Format(time.RFC3339Nano), at(2000).Format(time.RFC3339Nano))
	require.NoError(t, zw.Close())
	newer := filepath.Join(t.TempDir(), "v9.jsonl.gz")
	require.NoError(t, os.WriteFile(newer, v9.Bytes(), 0o600))
	_, _, _, err := ReadTimelineFile(newer)
	assert.ErrorContains(t, err, "version 9, want 1 to 3")
}
