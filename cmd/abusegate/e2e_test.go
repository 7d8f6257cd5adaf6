package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinary builds abusegate into a temporary directory, once per test.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and runs processes")
	}
	bin := filepath.Join(t.TempDir(), "abusegate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

// start runs the binary with args and returns the URLs its first stderr
// line announces (every server command says where it listens).
func start(t *testing.T, bin string, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err, "%s said nothing", args[0])
	go func() { _, _ = bufio.NewReader(stderr).WriteTo(discard{}) }()
	urls := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindAllString(line, -1)
	require.NotEmpty(t, urls, line)
	return urls
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// freeAddr is a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// shopBehindGuard starts the demo shop and an enforcing guard in front of
// it, each its own process; it returns the guard's proxy and admin URLs.
func shopBehindGuard(t *testing.T, bin string) (proxy, admin string) {
	shop := start(t, bin, nil, "demoshop", "--listen", "127.0.0.1:0", "--seed", "1")
	g := start(t, bin, nil, "guard", "--upstream", shop[0], "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
		"--spec", filepath.Join("testdata", "shop.openapi.yaml"))
	require.Len(t, g, 3, "proxy, upstream and admin URLs")
	return g[0], g[2]
}

func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	t.Run("guard decision stream, SLA met", func(t *testing.T) {
		proxy, admin := shopBehindGuard(t, bin)
		dir := t.TempDir()
		p := writeTestPlan(t, dir, planOptions{target: proxy, detection: "  - type: guard\n    url: " + admin + "/decisions/stream\n"})
		code, out, errOut := cli(t, "run", "-c", p, "--report-dir", dir, "--progress", "off", "--shadow=false")
		require.Equal(t, exitOK, code, out+errOut)
		r := readRunReport(t, dir)
		assert.Equal(t, []string{"guard-stream"}, r.Sources)
		s := r.Scenarios[0]
		require.True(t, s.Detected && s.Contained, out)
		assert.Equal(t, "enumeration", s.DetectedBy.Detector)
		assert.Regexp(t, `^identity:`, s.DetectedBy.Subject)
		// The monitor reads 20 distinct records before it blocks: at a
		// request every 20 ms per VU that is well under the 5s SLA, and
		// containment follows detection.
		assert.Greater(t, *s.MTTD, 0.0)
		assert.Less(t, *s.MTTD, 5.0)
		assert.GreaterOrEqual(t, *s.MTTC, *s.MTTD)
		assert.Less(t, *s.MTTC, 10.0)
		assert.Positive(t, s.LeakBefore)
		assert.Zero(t, r.Benign.Hurt)
	})
	t.Run("guard decision stream, SLA breached", func(t *testing.T) {
		proxy, admin := shopBehindGuard(t, bin)
		dir := t.TempDir()
		p := writeTestPlan(t, dir, planOptions{target: proxy, detection: "  - type: guard\n    url: " + admin + "/decisions/stream\n",
			sla: "  mttd: 1ms\n  mttc: 10s\n  max_leak: 200\n  max_benign: 0\n"})
		code, out, errOut := cli(t, "run", "-c", p, "--report-dir", dir, "--progress", "off")
		require.Equal(t, exitBreach, code, errOut)
		assert.Contains(t, out, "MTTD")
		data, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
		require.NoError(t, err)
		assert.Contains(t, string(data), `type="sla:mttd"`)
	})
	t.Run("webhook alerts from the target's own detector", func(t *testing.T) {
		const secret = "e2e-webhook-secret"
		hook := freeAddr(t)
		shop := start(t, bin, []string{"ABUSEGATE_WEBHOOK_SECRET=" + secret}, "demoshop", "--listen", "127.0.0.1:0", "--seed", "1",
			"--alert-webhook", "http://"+hook+"/alerts")
		t.Setenv("ABUSEGATE_WEBHOOK_SECRET", secret)
		dir := t.TempDir()
		p := writeTestPlan(t, dir, planOptions{target: shop[0], detection: "  - type: webhook\n    url: http://" + hook + "/alerts\n"})
		code, out, errOut := cli(t, "run", "-c", p, "--report-dir", dir, "--progress", "off")
		require.Equal(t, exitOK, code, out+errOut)
		r := readRunReport(t, dir)
		s := r.Scenarios[0]
		require.True(t, s.Detected && s.Contained)
		assert.Equal(t, "webhook:enumeration", s.DetectedBy.Detector)
		// The shop's detector names only the request: attribution went
		// through its correlation id.
		assert.Regexp(t, `^correlation:enumeration-get-users-id-\d+-\d+$`, s.DetectedBy.Subject)
		assert.Less(t, *s.MTTD, 5.0)
		assert.GreaterOrEqual(t, *s.MTTC, *s.MTTD)
	})
	t.Run("a badly signed alert is refused", func(t *testing.T) {
		hook := freeAddr(t)
		shop := start(t, bin, []string{"ABUSEGATE_WEBHOOK_SECRET=not-the-shared-secret"}, "demoshop", "--listen", "127.0.0.1:0",
			"--seed", "1", "--alert-webhook", "http://"+hook+"/alerts")
		t.Setenv("ABUSEGATE_WEBHOOK_SECRET", "the-shared-secret")
		dir := t.TempDir()
		p := writeTestPlan(t, dir, planOptions{target: shop[0], detection: "  - type: webhook\n    url: http://" + hook + "/alerts\n"})
		code, _, errOut := cli(t, "run", "-c", p, "--report-dir", dir, "--progress", "off", "--shadow=false")
		assert.Equal(t, exitBreach, code, "contained but never detected: no alert was believed")
		assert.Contains(t, errOut, "refused for a bad or missing signature")
	})
	t.Run("interrupted: partial report, exit 3", func(t *testing.T) {
		proxy, admin := shopBehindGuard(t, bin)
		dir := t.TempDir()
		p := writeTestPlan(t, dir, planOptions{target: proxy, detection: "  - type: guard\n    url: " + admin + "/decisions/stream\n"})
		cmd := exec.Command(bin, "run", "-c", p, "--report-dir", dir, "--progress", "off")
		require.NoError(t, cmd.Start())
		// Interrupt once the attack is under way: the guard has decided.
		require.Eventually(t, func() bool {
			resp, err := http.Get(admin + "/decisions")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var ds []json.RawMessage
			return json.NewDecoder(resp.Body).Decode(&ds) == nil && len(ds) > 0
		}, 10*time.Second, 20*time.Millisecond)
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		err := cmd.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, exitIncomplete, ee.ExitCode())
		r := readRunReport(t, dir)
		assert.NotEmpty(t, r.Scenarios, "the partial report is written")
	})
}
