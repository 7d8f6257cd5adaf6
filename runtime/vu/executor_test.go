package vu

import (
	"context"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// paced is one iteration of n GETs, each sent wait after the previous one.
type paced struct {
	n    int
	wait time.Duration
}

func (p *paced) Next(*scenarios.Result) (scenarios.Step, bool) {
	if p.n == 0 {
		return scenarios.Step{}, false
	}
	p.n--
	return scenarios.Step{Wait: p.wait, Request: scenarios.Request{Method: http.MethodGet, Path: "/"}}, true
}

func pacedProgram(n int, wait time.Duration) func(int) (scenarios.Program, error) {
	return func(int) (scenarios.Program, error) { return &paced{n: n, wait: wait}, nil }
}

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// simRun runs loads on a simulated clock against a real loopback target and
// returns the exchanges and the runner.
func simRun(t *testing.T, seg Segment, loads ...Workload) ([]scenarios.Exchange, *Runner) {
	t.Helper()
	u := target(t, func(http.ResponseWriter, *http.Request) {})
	r := &Runner{Target: u, Clock: NewSimClock(epoch), Segment: seg}
	var rec Recorder
	require.NoError(t, r.Run(context.Background(), loads, &rec))
	return rec.Exchanges(), r
}

// span is a VU's first and last send, as offsets from the epoch.
type span struct {
	first, last time.Duration
	n           int
}

func spans(exs []scenarios.Exchange) map[int]span {
	out := map[int]span{}
	for _, ex := range exs {
		at := ex.Sent.Sub(epoch)
		s, ok := out[ex.VU]
		if !ok {
			s.first = at
		}
		s.last, s.n = at, s.n+1
		out[ex.VU] = s
	}
	return out
}

func TestExecutorSchedules(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name  string
		load  Workload
		want  map[int]span
		stats Snapshot
	}{
		{
			name: "constant-vus from a start offset",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 3, Start: 2 * sec, Duration: 10 * sec},
				Program: pacedProgram(1, sec)},
			// Every iteration waits 1s, then sends: at 3s..11s; the one due
			// at 12s falls on the end.
			want:  map[int]span{0: {3 * sec, 11 * sec, 9}, 1: {3 * sec, 11 * sec, 9}, 2: {3 * sec, 11 * sec, 9}},
			stats: Snapshot{Requests: 27, Iterations: 27, Interrupted: 3},
		},
		{
			name: "constant-vus graceful stop lets the iteration in flight finish",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 1, Duration: 5 * sec, GracefulStop: 2 * sec},
				Program: pacedProgram(3, sec)},
			want:  map[int]span{0: {sec, 6 * sec, 6}},
			stats: Snapshot{Requests: 6, Iterations: 2},
		},
		{
			name: "constant-vus without graceful stop interrupts it",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 1, Duration: 5 * sec},
				Program: pacedProgram(3, sec)},
			want:  map[int]span{0: {sec, 4 * sec, 4}},
			stats: Snapshot{Requests: 4, Iterations: 1, Interrupted: 1},
		},
		{
			name: "ramping-vus up and down",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.RampingVUs,
				Stages: []scenarios.Stage{{Duration: 10 * sec, Target: 4}, {Duration: 10 * sec, Target: 0}}},
				Program: pacedProgram(1, sec)},
			// VU i starts when the level reaches i+1, at 2.5s*(i+1), and
			// stops when it falls back to i, at 20s-2.5s*(i+1).
			want: map[int]span{
				0: {3500 * time.Millisecond, 19500 * time.Millisecond, 17},
				1: {6 * sec, 17 * sec, 12},
				2: {8500 * time.Millisecond, 14500 * time.Millisecond, 7},
				3: {11 * sec, 12 * sec, 2},
			},
			stats: Snapshot{Requests: 38, Iterations: 38, Interrupted: 4},
		},
		{
			name: "per-vu-iterations",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 2, Iterations: 3},
				Program: pacedProgram(2, sec)},
			want:  map[int]span{0: {sec, 6 * sec, 6}, 1: {sec, 6 * sec, 6}},
			stats: Snapshot{Requests: 12, Iterations: 6},
		},
		{
			name: "per-vu-iterations bounded by its duration",
			load: Workload{Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 1, Iterations: 3, Duration: 3500 * time.Millisecond},
				Program: pacedProgram(2, sec)},
			want:  map[int]span{0: {sec, 3 * sec, 3}},
			stats: Snapshot{Requests: 3, Iterations: 1, Interrupted: 1},
		},
		{
			name:  "the short form: each VU runs its program once",
			load:  Workload{VUs: 2, Start: sec, Duration: time.Minute, Program: pacedProgram(2, sec)},
			want:  map[int]span{0: {2 * sec, 3 * sec, 2}, 1: {2 * sec, 3 * sec, 2}},
			stats: Snapshot{Requests: 4, Iterations: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.load.Scenario = "s"
			exs, r := simRun(t, Segment{}, tt.load)
			assert.Equal(t, tt.want, spans(exs))
			got := r.Stats()[0]
			assert.Equal(t, tt.stats, Snapshot{Requests: got.Requests, Iterations: got.Iterations, Interrupted: got.Interrupted})
			assert.Zero(t, got.VUs, "every VU stopped")
		})
	}
}

func TestConstantArrivalRateDropsWhenThePoolIsExhausted(t *testing.T) {
	// Five arrivals a second for 4s, each iteration busy for 700ms: four
	// VUs would be needed, three are allowed, so every fourth arrival
	// (3, 7, 11, 15, 19) finds none free.
	load := Workload{Scenario: "open", Schedule: scenarios.Schedule{
		Executor: scenarios.ConstantArrivalRate, Rate: 5, TimeUnit: time.Second, Duration: 4 * time.Second,
		GracefulStop: time.Second, PreAllocatedVUs: 2, MaxVUs: 3,
	}, Program: pacedProgram(1, 700*time.Millisecond)}
	exs, r := simRun(t, Segment{}, load)
	st := r.Stats()[0]
	assert.Equal(t, int64(5), st.Dropped)
	assert.Equal(t, int64(15), st.Iterations)
	require.Len(t, exs, 15)
	var starts []time.Duration
	vus := map[int]bool{}
	for _, ex := range exs {
		starts = append(starts, ex.Sent.Sub(epoch)-700*time.Millisecond)
		vus[ex.VU] = true
	}
	var want []time.Duration
	for k := range 20 {
		if k%4 != 3 {
			want = append(want, time.Duration(k)*200*time.Millisecond)
		}
	}
	assert.Equal(t, want, starts)
	assert.Len(t, vus, 3, "the pool grew to MaxVUs and no further")
	assert.Equal(t, map[string]int64{"open": 5}, r.Dropped())
}

func TestRampingArrivalRateFollowsTheIntegralOfTheRate(t *testing.T) {
	// From 0 to 10 iterations/s over 10s: N(t) = t^2/2, so iteration k
	// starts at sqrt(2k), 50 in all.
	load := Workload{Scenario: "ramp", Schedule: scenarios.Schedule{
		Executor: scenarios.RampingArrivalRate, Rate: 0, TimeUnit: time.Second,
		Stages: []scenarios.Stage{{Duration: 10 * time.Second, Target: 10}}, PreAllocatedVUs: 5, MaxVUs: 10,
	}, Program: pacedProgram(1, 0)}
	exs, r := simRun(t, Segment{}, load)
	require.Len(t, exs, 50)
	for k, ex := range exs {
		want := time.Duration(math.Sqrt(2*float64(k)) * float64(time.Second))
		assert.InDelta(t, want, ex.Sent.Sub(epoch), float64(time.Microsecond), "iteration %d", k)
	}
	assert.Zero(t, r.Stats()[0].Dropped)
}

func TestSimulatedRunsAreDeterministic(t *testing.T) {
	load := func() Workload {
		return Workload{Scenario: "d", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 5, Duration: time.Minute},
			Think: scenarios.Think{Dist: scenarios.Exponential, Mean: 3 * time.Second}, Seed: 7, Program: pacedProgram(2, 0)}
	}
	key := func(exs []scenarios.Exchange) []string {
		var out []string
		for _, ex := range exs {
			out = append(out, ex.Sent.Format(time.RFC3339Nano)+" "+ex.CorrelationID)
		}
		return out
	}
	a, _ := simRun(t, Segment{}, load())
	b, _ := simRun(t, Segment{}, load())
	require.NotEmpty(t, a)
	assert.Equal(t, key(a), key(b))
}

func TestSegmentsTogetherRunThePlanOnce(t *testing.T) {
	loads := func() []Workload {
		return []Workload{
			{Scenario: "closed", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 7, Duration: 3 * time.Second},
				Program: pacedProgram(1, time.Second)},
			{Scenario: "ramp", Schedule: scenarios.Schedule{Executor: scenarios.RampingVUs, VUs: 1,
				Stages: []scenarios.Stage{{Duration: 5 * time.Second, Target: 11}}}, Program: pacedProgram(1, 700*time.Millisecond)},
			{Scenario: "open", Schedule: scenarios.Schedule{Executor: scenarios.ConstantArrivalRate, Rate: 7, TimeUnit: 3 * time.Second,
				Duration: 10 * time.Second, PreAllocatedVUs: 5, MaxVUs: 5}, Program: pacedProgram(1, 0)},
		}
	}
	key := func(ex scenarios.Exchange) string {
		return ex.Scenario + " " + ex.Sent.Sub(epoch).String() + " " + ex.CorrelationID
	}
	whole, _ := simRun(t, Segment{}, loads()...)
	var want []string
	for _, ex := range whole {
		if ex.Scenario != "open" { // open-model VU numbers depend on the pool
			want = append(want, key(ex))
		}
	}
	wholeOpen := 0
	for _, ex := range whole {
		if ex.Scenario == "open" {
			wholeOpen++
		}
	}
	for _, n := range []int{2, 3, 4} {
		t.Run(Segment{N: n}.String(), func(t *testing.T) {
			var got []string
			open := 0
			for i := range n {
				exs, _ := simRun(t, Segment{I: i, N: n}, loads()...)
				for _, ex := range exs {
					if ex.Scenario == "open" {
						open++
						continue
					}
					got = append(got, key(ex))
				}
			}
			slices.Sort(got)
			w := slices.Clone(want)
			slices.Sort(w)
			assert.Equal(t, w, got)
			assert.Equal(t, wholeOpen, open)
		})
	}
}

// TestSegmentsRespectMaxVUs: with more runners than an arrival-rate
// executor's max VUs, the runners together hold at most max VUs and still
// run every arrival once.
func TestSegmentsRespectMaxVUs(t *testing.T) {
	load := func() Workload {
		return Workload{Scenario: "open", Schedule: scenarios.Schedule{Executor: scenarios.ConstantArrivalRate, Rate: 4, TimeUnit: time.Second,
			Duration: 5 * time.Second, PreAllocatedVUs: 1, MaxVUs: 2}, Program: pacedProgram(1, 0)}
	}
	whole, _ := simRun(t, Segment{}, load())
	const n = 5
	vus := map[int]bool{}
	sent := 0
	for i := range n {
		exs, r := simRun(t, Segment{I: i, N: n}, load())
		sent += len(exs)
		for _, ex := range exs {
			vus[ex.VU] = true
		}
		assert.Zero(t, r.Stats()[0].Dropped, "segment %d", i)
		if i >= 2 {
			assert.Empty(t, exs, "runner %d of %d has no share of 2 VUs", i, n)
			assert.Contains(t, load().Describe(Segment{I: i, N: n}), "0 iterations planned")
		}
	}
	assert.Equal(t, len(whole), sent, "every arrival runs once")
	assert.LessOrEqual(t, len(vus), 2, "never more VUs than MaxVUs across runners: %v", vus)
}

func TestSegmentShares(t *testing.T) {
	for _, total := range []int{0, 1, 2, 7, 10, 101, 9999} {
		for _, n := range []int{1, 2, 3, 7, 8, 64} {
			sum := 0
			for i := range n {
				sum += Segment{I: i, N: n}.Share(total)
			}
			assert.Equal(t, total, sum, "%d over %d", total, n)
		}
	}
	_, err := ParseSegment("3/3")
	require.ErrorContains(t, err, "0 <= i < n")
	s, err := ParseSegment("1/4")
	require.NoError(t, err)
	assert.Equal(t, Segment{I: 1, N: 4}, s)
}

// TestStopCountsWaitingVUsAsInterrupted: when the budget stops a run,
// VUs waiting between two requests of an iteration are interrupted too.
func TestStopCountsWaitingVUsAsInterrupted(t *testing.T) {
	u := target(t, func(http.ResponseWriter, *http.Request) {})
	load := Workload{Scenario: "s", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 4, Duration: time.Hour},
		Program: pacedProgram(3, time.Second)}
	r := &Runner{Target: u, Clock: NewSimClock(epoch), MaxRequests: 6}
	var rec Recorder
	require.ErrorIs(t, r.Run(t.Context(), []Workload{load}, &rec), ErrBudget)
	st := r.Stats()[0]
	assert.Equal(t, int64(6), st.Requests)
	assert.Equal(t, int64(4), st.Interrupted, "every VU was mid-iteration: one at the budget, three waiting")
	assert.Zero(t, st.VUs, "no VU is left running")
}
