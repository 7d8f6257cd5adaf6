package scenarios

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAuthorize(t *testing.T) {
	tests := []struct {
		tokenIn string
		prior   http.Header
		want    http.Header
	}{
		{"", nil, http.Header{"Authorization": {"Bearer t0k"}}},
		{"bearer", nil, http.Header{"Authorization": {"Bearer t0k"}}},
		{"header:X-Auth-Token", nil, http.Header{"X-Auth-Token": {"t0k"}}},
		{"cookie:sid", nil, http.Header{"Cookie": {"sid=t0k"}}},
		{"cookie:sid", http.Header{"Cookie": {"lang=en"}}, http.Header{"Cookie": {"lang=en; sid=t0k"}}},
	}
	for _, tt := range tests {
		t.Run(tt.tokenIn, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.prior {
				h[k] = v
			}
			Auth{TokenIn: tt.tokenIn}.Authorize(h, "t0k")
			assert.Equal(t, tt.want, h)
		})
	}
}
