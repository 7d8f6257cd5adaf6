package graphql

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"customerAccessTokenCreate", []string{"customer", "access", "token", "create"}},
		{"HTTPServer", []string{"http", "server"}},
		{"user_ids", []string{"user", "ids"}},
		{"userIDs", []string{"user", "ids"}},
		{"userId", []string{"user", "id"}},
		{"ID", []string{"id"}},
		{"checkoutCompleteWithCreditCardV2", []string{"checkout", "complete", "with", "credit", "card", "v2"}},
		{"", nil},
		{"__typename", []string{"typename"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, words(tt.in))
		})
	}
}
