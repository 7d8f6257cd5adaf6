package reports

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

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
