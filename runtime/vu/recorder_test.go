package vu

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestRecorderSpillsAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	rec := &Recorder{MaxInMemory: 100, Dir: dir}
	const n = 2_550
	var wg sync.WaitGroup
	for w := range 5 {
		wg.Go(func() {
			for i := range n / 5 {
				k := w*(n/5) + i
				rec.Record(scenarios.Exchange{Scenario: "s", VU: w, CorrelationID: fmt.Sprint(k), Actor: scenarios.Attacker,
					Outcome: scenarios.Outcome(k % 5), Sent: epoch.Add(time.Duration(k) * time.Millisecond), Status: 200})
			}
		})
	}
	wg.Wait()
	require.NoError(t, rec.Err())
	rec.mu.Lock()
	assert.LessOrEqual(t, len(rec.mem), 100, "memory stays bounded")
	rec.mu.Unlock()
	files, _ := os.ReadDir(dir)
	assert.Len(t, files, 1)

	got := rec.Exchanges()
	require.Len(t, got, n)
	assert.Equal(t, n, rec.Len())
	for k, e := range got {
		assert.Equal(t, fmt.Sprint(k), e.CorrelationID)
		assert.Equal(t, scenarios.Outcome(k%5), e.Outcome, "outcomes read back")
		assert.Equal(t, scenarios.Attacker, e.Actor)
		assert.True(t, e.Sent.Equal(epoch.Add(time.Duration(k)*time.Millisecond)))
	}
	require.NoError(t, rec.Close())
	files, _ = os.ReadDir(dir)
	assert.Empty(t, files, "Close removes the spill file")
}

func BenchmarkRecord(b *testing.B) {
	rec := &Recorder{MaxInMemory: 10_000, Dir: b.TempDir()}
	defer rec.Close()
	e := scenarios.Exchange{Scenario: "bench", CorrelationID: "bench-1-2", Method: "GET", Path: "/users/42", Sent: epoch, Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		rec.Record(e)
	}
}

// TestAppendExchangeIsJSON: the spill encoder writes exactly what
// encoding/json writes, for every field of Exchange (set by reflection, so
// a field added to the struct and not to the encoder fails here).
func TestAppendExchangeIsJSON(t *testing.T) {
	for _, s := range []string{"plain", "", "quote\" back\\ <html> & \x01\x1f\x7f \b\f\n\r\t", "é ☃ \u2028\u2029 \xff\xfe bad", "tab\tend"} {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			var e scenarios.Exchange
			v := reflect.ValueOf(&e).Elem()
			for i := range v.NumField() {
				f := v.Field(i)
				switch f.Kind() {
				case reflect.String:
					f.SetString(s + v.Type().Field(i).Name)
				case reflect.Int, reflect.Int64:
					f.SetInt(int64(i + 1))
				case reflect.Bool:
					f.SetBool(true)
				case reflect.Struct:
					f.Set(reflect.ValueOf(time.Date(2026, 11, 30, 3, 4, 5, i*1000+7, time.FixedZone("x", 3600))))
				default:
					t.Fatalf("field %s of kind %s: teach appendExchange and this test", v.Type().Field(i).Name, f.Kind())
				}
			}
			want, err := json.Marshal(e)
			require.NoError(t, err)
			assert.Equal(t, string(want)+"\n", string(appendExchange(nil, &e)))
			e.Fingerprint, e.Err, e.Refused, e.Sent = "", "", "", time.Time{}
			want, err = json.Marshal(e)
			require.NoError(t, err)
			assert.Equal(t, string(want)+"\n", string(appendExchange(nil, &e)), "omitempty fields")
		})
	}
}

// With a Sink the Recorder hands every exchange on in record order and
// keeps none.
func TestRecorderSinkKeepsNothing(t *testing.T) {
	var got []string
	rec := &Recorder{MaxInMemory: 2, Dir: t.TempDir(), Sink: func(x *scenarios.Exchange) { got = append(got, x.CorrelationID) }}
	defer rec.Close()
	for i := range 5 {
		rec.Record(scenarios.Exchange{CorrelationID: fmt.Sprint(i), Sent: epoch.Add(time.Duration(5-i) * time.Second)})
	}
	assert.Equal(t, []string{"0", "1", "2", "3", "4"}, got)
	assert.Equal(t, 5, rec.Len())
	assert.Empty(t, rec.Exchanges())
	require.NoError(t, rec.Err())
	assert.Nil(t, rec.file, "nothing spilled")
}
