package vu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// fields puts the lines in wire order whatever the Program overrides, and
// the identity's own lines, assembled once, are reused unchanged.
func TestFieldsOrder(t *testing.T) {
	dev := &Device{Name: "d", UserAgent: "Browser/1", Headers: [][2]string{
		{"Accept", "*/*"}, {"Sec-Ch-Ua", `"B";v="1"`}, {"User-Agent", ""}, {"Accept-Encoding", "gzip"}}}
	noUA := &Device{Name: "n", UserAgent: "Tool/2", Headers: [][2]string{{"Accept", "*/*"}, {"X-Dev", "1"}}}
	geo := &Geo{AcceptLanguage: "fr-FR"}
	line := func(k, v string) hfield { return hfield{k, v} }
	tests := []struct {
		name string
		id   *identityState
		hdr  http.Header
		want []hfield
	}{
		{"no identity", nil, http.Header{"X-A": {"1"}},
			[]hfield{line("User-Agent", "ua ag/c"), line("X-A", "1"), line(scenarios.CorrelationHeader, "c")}},
		{"device and geo", &identityState{device: dev, geo: geo}, nil,
			[]hfield{line("Accept", "*/*"), line("Sec-Ch-Ua", `"B";v="1"`), line("User-Agent", "Browser/1 ag/c"), line("Accept-Encoding", "gzip"),
				line("Accept-Language", "fr-FR"), line(scenarios.CorrelationHeader, "c")}},
		{"program overrides a line before the user agent", &identityState{device: dev}, http.Header{"Accept": {"application/json"}},
			[]hfield{line("Sec-Ch-Ua", `"B";v="1"`), line("User-Agent", "Browser/1 ag/c"), line("Accept-Encoding", "gzip"),
				line("Accept", "application/json"), line(scenarios.CorrelationHeader, "c")}},
		{"device without a user agent line", &identityState{device: noUA}, http.Header{"Accept": {"text/html"}},
			[]hfield{line("X-Dev", "1"), line("User-Agent", "Tool/2 ag/c"), line("Accept", "text/html"), line(scenarios.CorrelationHeader, "c")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second time from the identity's cached lines
				got, err := fields(nil, scenarios.Request{Header: tt.hdr}, tt.id, "ua", "c")
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
	_, err := fields(nil, scenarios.Request{Header: http.Header{"X-Bad": {"a\r\nb"}}}, nil, "ua", "c")
	assert.ErrorContains(t, err, "control character")
}
