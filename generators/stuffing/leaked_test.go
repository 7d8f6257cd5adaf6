package stuffing_test

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

var update = flag.Bool("update", false, "rewrite testdata/credentials/leaked.txt from the demo shop's seed")

// leakedFile is the shared leaked-credentials corpus at the repository root.
var leakedFile = filepath.Join("..", "..", "testdata", "credentials", "leaked.txt")

// leakedList builds the corpus from the demo shop with seed 1, as a breach
// of another site would look to it: 40 pairs whose password was reused
// here (valid), 80 real usernames with another weak password (the user
// changed it, or never reused it), and 80 usernames the shop never had.
func leakedList() []scenarios.Identity {
	accounts := demoshop.New(demoshop.Options{Seed: 1}).Accounts()
	rng := rand.New(rand.NewPCG(1, 2))
	var out []scenarios.Identity
	for _, a := range accounts[200:240] {
		out = append(out, scenarios.Identity{Username: a.Username, Password: a.Password})
	}
	for _, a := range accounts[240:320] {
		out = append(out, scenarios.Identity{Username: a.Username, Password: a.Password + "x"})
	}
	for i := range 80 {
		a := accounts[rng.IntN(len(accounts))]
		out = append(out, scenarios.Identity{Username: fmt.Sprintf("%s.%d", a.Username, 1000+i), Password: a.Password})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

const leakedHeader = `Leaked username:password pairs for credential-stuffing tests. Generated, do not edit:
go test ./generators/stuffing -run TestLeakedList -update
From the demo shop with seed 1: 40 valid pairs, 80 stale passwords, 80 unknown users.`

// TestLeakedList keeps the corpus in step with the shop's seed data.
func TestLeakedList(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, generators.FormatCredentials(&buf, leakedHeader, leakedList()))
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(leakedFile), 0o755))
		require.NoError(t, os.WriteFile(leakedFile, buf.Bytes(), 0o644))
	}
	got, err := os.ReadFile(leakedFile)
	require.NoError(t, err, "run the test with -update to create it")
	require.Equal(t, buf.String(), string(got), "stale: run go test ./generators/stuffing -run TestLeakedList -update")
}

func loadLeaked(t *testing.T) []scenarios.Identity {
	t.Helper()
	f, err := os.Open(leakedFile)
	require.NoError(t, err)
	defer f.Close()
	ids, err := generators.ParseCredentials(leakedFile, f)
	require.NoError(t, err)
	return ids
}
