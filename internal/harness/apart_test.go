package harness_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/builtin"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/internal/harness"
	"github.com/abusegate/abusegate/scenarios"
)

const apartPlan = `version: "1"
target: {base_url: "http://127.0.0.1:8080"}
identities:
  - name: shoppers
    generate: {count: 3, prefix: shopper, password: pw}
  - name: attackers
    generate: {count: 2, prefix: attacker, password: pw}
benign: {identities: shoppers, vus: 3, duration: 10s}
scenarios:
  - id: walk
    kind: rest.enumeration
    operations: [{operation: "GET /users/{id}"}]
    executor: constant-vus
    vus: 2
    duration: 10s
    identities: attackers
  - id: walk-again
    kind: rest.enumeration
    operations: [{operation: "GET /users/{id}"}]
    executor: constant-vus
    vus: 2
    duration: 10s
    identities: attackers
  - id: reuse
    kind: rest.credential-reuse
    operations: [{operation: "GET /users/{id}"}]
    executor: constant-vus
    vus: 4
    duration: 10s
    identities: attackers
    rotate: devices
`

// Apart leaves no address or device shared between two attack scenarios:
// each sends from addresses of its own, with browser builds of its own,
// and a rotating scenario keeps as many devices as it rotated through.
// The shoppers keep their crowd; everyone is on a network of their own.
func TestApartGivesEachAttackItsOwnMachines(t *testing.T) {
	reg := generators.NewRegistry()
	builtin.Register(reg)
	f, err := scenarios.LoadPlan("apart.yaml", []byte(apartPlan))
	require.NoError(t, err)
	p, err := f.Compile(scenarios.PlanChecks{Kinds: reg.IDs()})
	require.NoError(t, err)
	surface, _, err := openapi.Load("demoshop.openapi.yaml", demoshop.Spec())
	require.NoError(t, err)
	h, err := harness.New(harness.Options{Plan: p, Kinds: reg, Surface: surface, Target: &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}})
	require.NoError(t, err)
	before := h.Workloads()[0].Disguise

	h.Apart()
	ws := h.Workloads()
	require.Len(t, ws, 4)
	assert.Equal(t, before.Devices, ws[0].Disguise.Devices, "the shoppers keep their crowd")
	assert.True(t, ws[0].Disguise.Networks, "each shopper on a network of its own")
	seen := map[string]string{}
	for _, w := range ws[1:] {
		assert.True(t, w.Disguise.Sources, "%s sends from addresses of its own", w.Scenario)
		assert.True(t, w.Disguise.Networks, "%s sends from networks of its own", w.Scenario)
		require.NotEmpty(t, w.Disguise.Devices, w.Scenario)
		for _, d := range w.Disguise.Devices {
			other, dup := seen[d.UserAgent]
			assert.False(t, dup, "%s and %s share the device %q", w.Scenario, other, d.UserAgent)
			seen[d.UserAgent] = w.Scenario
		}
	}
	assert.Len(t, ws[1].Disguise.Devices, 1, "a scenario that rotates nothing is one browser")
	assert.Greater(t, len(ws[3].Disguise.Devices), 1, "a rotating scenario keeps rotating")
}
