package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A public GraphQL API with no login (SWAPI) simulates against the
// responder: its visitors browse anonymously, are not hurt, and the guard
// leaks no more than no guard. (The responder answers a connection's
// nested list at its own size, not first:N, so the oversized-list
// scenarios leak nothing here even unguarded.)
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
		require.NoError(t, json.Unmarshal(simulateSpec(t, spec, "--guard", guard), &r))
		require.NotEmpty(t, r.Scenarios)
		return r
	}
	open, guarded := read("off"), read("enforce")
	assert.Positive(t, open.Benign.Sessions)
	assert.Zero(t, open.Benign.Hurt)
	assert.Zero(t, guarded.Benign.Hurt, "anonymous visitors are not contained")
	require.Len(t, guarded.Scenarios, len(open.Scenarios))
	for i, s := range open.Scenarios {
		assert.LessOrEqual(t, guarded.Scenarios[i].Leak, s.Leak, s.ID)
	}
}
