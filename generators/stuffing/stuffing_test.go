package stuffing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/stuffing"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// The leaked list opens exactly the accounts whose password was reused,
// and no attempt is counted twice.
func TestUnguardedFindsValidAccounts(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.Generate(t, stuffing.Kind{}, generators.Options{Credentials: loadLeaked(t)}, "stuffing-post-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, stuffing.Kind{}, sc, 20*time.Second, 1000)

	assert.Equal(t, 40, res.Leak, "valid accounts found")
	assert.Equal(t, 200, res.Abusive, "every pair tried once")
	assert.Zero(t, res.Denied, "a wrong password is a failure, not a containment")
}

func TestParseCredentialsReportsEveryBadLine(t *testing.T) {
	in := "# comment\nalice:pw\n\nnocolon\n:nouser\nbob:\ncarol:p:w\n"
	ids, err := generators.ParseCredentials("list.txt", strings.NewReader(in))
	require.Error(t, err)
	for _, want := range []string{"list.txt:4:", "list.txt:5:", "list.txt:6:"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Equal(t, []scenarios.Identity{{Username: "alice", Password: "pw"}, {Username: "carol", Password: "p:w"}}, ids)
}

func TestProgramNeedsCredentials(t *testing.T) {
	_, err := stuffing.Kind{}.Program(scenarios.Scenario{ID: "s"}, generators.Env{Auth: scenarios.Auth{Path: "/login"}})
	require.ErrorContains(t, err, "no leaked credentials")
}
