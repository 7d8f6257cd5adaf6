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

func TestStaticAuthFrom(t *testing.T) {
	bearer := scenarios.AuthScheme{Name: "jwt", Type: "bearer"}
	basic := scenarios.AuthScheme{Name: "basicAuth", Type: "basic"}
	oauth := scenarios.AuthScheme{Name: "petstore_auth", Type: "oauth2"}
	header := scenarios.AuthScheme{Name: "api_key", Type: "apiKey", In: scenarios.InHeader, Param: "api_key"}
	cookie := scenarios.AuthScheme{Name: "sess", Type: "apiKey", In: scenarios.InCookie, Param: "sid"}
	query := scenarios.AuthScheme{Name: "q", Type: "apiKey", In: scenarios.InQuery, Param: "key"}
	tests := []struct {
		name       string
		schemes    []scenarios.AuthScheme
		cred, into string
		ok         bool
	}{
		{"none", nil, "", "", false},
		{"query keys are not supported", []scenarios.AuthScheme{query}, "", "", false},
		{"basic", []scenarios.AuthScheme{basic}, "basic", "", true},
		{"bearer wins over basic (stripe)", []scenarios.AuthScheme{basic, bearer}, "bearer", "", true},
		{"a header key wins over oauth2 (petstore)", []scenarios.AuthScheme{oauth, header}, "api-key", "header:api_key", true},
		{"cookie key", []scenarios.AuthScheme{query, cookie}, "api-key", "cookie:sid", true},
		{"oauth2 tokens are bearers", []scenarios.AuthScheme{oauth}, "bearer", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := StaticAuthFrom(scenarios.Surface{AuthSchemes: tt.schemes})
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.cred, got.Credential)
			assert.Equal(t, tt.into, got.TokenIn)
		})
	}
}
