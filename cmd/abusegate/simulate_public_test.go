package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A public GraphQL API with no login (SWAPI) simulates against the
// responder: its oversized-list scenarios leak unguarded (the responder
// answers a connection at the window first:N asks for), its visitors
// browse anonymously and are not hurt, and the guard leaks no more than
// no guard. Two simulated seconds: each oversized answer is some 25,000
// items, and twenty seconds of them took minutes under -race.
func TestSimulatePublicGraphQLAPI(t *testing.T) {
	spec := filepath.Join(sharedSpecs(t), "graphql", "swapi-graphql-schema.graphql")
	type report struct {
		Scenarios []struct {
			ID   string `json:"id"`
			Leak int    `json:"leak_total"`
		} `json:"scenarios"`
		Benign struct {
			Sessions int `json:"sessions"`
			Hurt     int `json:"hurt"`
		} `json:"benign"`
	}
	read := func(guard string) report {
		var r report
		require.NoError(t, json.Unmarshal(simulateSpecKinds(t, spec, nil, "2s", "--guard", guard), &r))
		require.NotEmpty(t, r.Scenarios)
		return r
	}
	open, guarded := read("off"), read("enforce")
	assert.Positive(t, open.Benign.Sessions)
	assert.Zero(t, open.Benign.Hurt)
	assert.Zero(t, guarded.Benign.Hurt, "anonymous visitors are not contained")
	require.Len(t, guarded.Scenarios, len(open.Scenarios))
	for i, s := range open.Scenarios {
		assert.Positive(t, s.Leak, "%s leaks unguarded", s.ID)
		assert.LessOrEqual(t, guarded.Scenarios[i].Leak, s.Leak, s.ID)
	}
}
