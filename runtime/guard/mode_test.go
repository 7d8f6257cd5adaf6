package guard

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Off, Observe, Enforce} {
		got, err := ParseMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	for _, bad := range []string{"", "Enforce", "shadow"} {
		_, err := ParseMode(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "Mode(0)", Mode(0).String())
}
