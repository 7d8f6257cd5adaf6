package reports

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// fixedTimeline is 90 s of traffic matching fixedResult's first scenario:
// a walk from t0 = 0.41s, allowed until containment at 5.61s, denied after;
// benign shoppers all along, one of them denied once.
func fixedTimeline() scenarios.Timeline {
	tl := scenarios.Timeline{Start: base, End: at(90_000)}
	for ms := 410; ms < 20_000; ms += 100 {
		ex := scenarios.Exchange{Scenario: "enumeration-get-users-id", Actor: scenarios.Attacker, Abusive: true, Sent: at(ms)}
		if ms < 5610 {
			ex.Outcome, ex.Leak = scenarios.OutcomeSuccess, 1
		} else {
			ex.Outcome = scenarios.OutcomeDenied
		}
		tl.Exchanges = append(tl.Exchanges, ex)
	}
	for ms := 0; ms < 90_000; ms += 250 {
		ex := scenarios.Exchange{Scenario: "benign", Actor: scenarios.Benign, Session: "benign-7", Sent: at(ms), Outcome: scenarios.OutcomeSuccess}
		if ms == 30_000 {
			ex.Outcome = scenarios.OutcomeDenied
		}
		tl.Exchanges = append(tl.Exchanges, ex)
	}
	tl.Decisions = []scenarios.Decision{{
		ID: "dec-1", Time: at(2710), Subject: scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-0123456789ab"},
		Action: scenarios.ActionBlock, Detector: "enumeration", Reason: "42 distinct foreign ids in 10s", Enforced: true,
	}}
	return tl
}

func TestTimelineBuckets(t *testing.T) {
	tl := Timeline(fixedTimeline(), 90)
	assert.InDelta(t, 1.0, tl.BinSeconds, 1e-9)
	enum := tl.Scenarios["enumeration-get-users-id"]
	sum := func(xs []int) (n int) {
		for _, x := range xs {
			n += x
		}
		return n
	}
	assert.Equal(t, 52, sum(enum.Allowed), "410..5510ms every 100ms")
	assert.Equal(t, 52, sum(enum.Leak))
	assert.Equal(t, 144, sum(enum.Denied))
	assert.Zero(t, enum.Allowed[6], "nothing allowed after containment")
	assert.Equal(t, 359, sum(tl.Benign.Allowed))
	assert.Equal(t, 1, tl.Benign.Denied[30])
	assert.Nil(t, tl.Benign.Leak, "benign traffic leaks nothing")
	require.Len(t, tl.Decisions, 1)
	assert.InDelta(t, 2.71, tl.Decisions[0].At, 1e-9)
}

func TestTimelineEmpty(t *testing.T) {
	tl := Timeline(scenarios.Timeline{}, 0)
	assert.Equal(t, DefaultBins, tl.Bins)
	assert.Empty(t, tl.Scenarios)
}

func htmlReport() Report {
	r := fixedReport()
	r.Timeline = Timeline(fixedTimeline(), 0)
	return r
}

func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, htmlReport()))
	golden(t, buf.Bytes())
	for _, load := range []string{"<script", "src=", "href=", "@import", "url("} {
		assert.NotContains(t, buf.String(), load, "the page must load nothing from elsewhere")
	}
}

// TestHTMLRendersInChromium opens the page in headless Chromium and checks
// that the screenshot shows the charts: red attack bars, grey denied bars
// and blue benign bars are drawn. It runs where Chromium is installed
// (.ci/run installs it) and skips elsewhere.
func TestHTMLRendersInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found: .ci/run installs it (apt-get install chromium)")
		}
		t.Skip("chromium not installed: apt-get install chromium to run this test")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, htmlReport()))
	require.NoError(t, os.WriteFile(page, buf.Bytes(), 0o644))
	shot := filepath.Join(dir, "shot.png")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1000,1400",
		"--screenshot="+shot, "file://"+page)
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("chromium did not finish within 90s")
	}
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	counts := map[string]int{}
	colors := map[[3]uint32]string{{0xcf, 0x22, 0x2e}: "attack allowed", {0x8c, 0x95, 0x9f}: "denied", {0x09, 0x69, 0xda}: "benign"}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if name, ok := colors[[3]uint32{r >> 8, g >> 8, bl >> 8}]; ok {
				counts[name]++
			}
		}
	}
	for _, name := range []string{"attack allowed", "denied", "benign"} {
		assert.Greater(t, counts[name], 500, "too few %s pixels: the chart was not drawn (%v)", name, counts)
	}
}
