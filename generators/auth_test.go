package generators

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestTokenIn(t *testing.T) {
	bearer := scenarios.AuthScheme{Name: "jwt", Type: "bearer"}
	header := scenarios.AuthScheme{Name: "key", Type: "apiKey", In: scenarios.InHeader, Param: "X-Auth-Token"}
	cookie := scenarios.AuthScheme{Name: "sess", Type: "apiKey", In: scenarios.InCookie, Param: "sid"}
	tests := []struct {
		name    string
		schemes []scenarios.AuthScheme
		want    string
	}{
		{"none", nil, "bearer"},
		{"bearer", []scenarios.AuthScheme{bearer}, "bearer"},
		{"api key header", []scenarios.AuthScheme{header}, "header:X-Auth-Token"},
		{"cookie", []scenarios.AuthScheme{cookie}, "cookie:sid"},
		{"bearer wins over a key", []scenarios.AuthScheme{header, bearer}, "bearer"},
		{"first of key and cookie", []scenarios.AuthScheme{cookie, header}, "cookie:sid"},
		{"an Authorization key is a bearer", []scenarios.AuthScheme{{Type: "apiKey", In: scenarios.InHeader, Param: "authorization"}}, "bearer"},
		{"query keys are not tokens", []scenarios.AuthScheme{{Type: "apiKey", In: scenarios.InQuery, Param: "api_key"}}, "bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tokenIn(tt.schemes))
		})
	}
}
