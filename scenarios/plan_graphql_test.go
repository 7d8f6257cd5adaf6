package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// GraphQL operation keys ("MUTATION login") are operation keys too; a
// GraphQL-looking key that is not a field name is not.
func TestGraphQLOperationKeys(t *testing.T) {
	tests := []struct {
		method, name string
		ok           bool
	}{
		{"QUERY", "user", true},
		{"MUTATION", "customerAccessTokenCreate", true},
		{"SUBSCRIPTION", "_onEvent2", true},
		{"QUERY", "", false},
		{"QUERY", "2fa", false},
		{"QUERY", "user id", false},
		{"GET", "users", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ok, graphQLKey(tt.method, tt.name))
		})
	}
}
