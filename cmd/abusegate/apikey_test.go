package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/scenarios"
)

// keyAPISpec is an API authenticated by an API key header, with no login
// operation: keys are issued elsewhere (a dashboard).
const keyAPISpec = `openapi: 3.0.3
info: {title: Key API, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: %s
paths:
  /accounts/{id}:
    get:
      operationId: getAccount
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: the account
          content:
            application/json:
              schema:
                type: object
                properties: {id: {type: integer}, owner: {type: string}, balance: {type: integer}}
        "401": {description: no or unknown key}
`

// keyKind is one kind of static credential: the spec's scheme, the plan's
// auth and pool lines, and how the API reads the credential off a request.
type keyKind struct {
	credential, scheme, auth, header string
	read                             func(*http.Request) string
}

var keyKinds = []keyKind{
	{"api-key", "{type: apiKey, in: header, name: X-API-Key}", `auth: {token_in: "header:X-API-Key"}` + "\n", "api_key\n",
		func(r *http.Request) string { return r.Header.Get("X-API-Key") }},
	{"bearer", "{type: http, scheme: bearer}", "", "token\n",
		func(r *http.Request) string {
			tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			return tok
		}},
	{"basic", "{type: http, scheme: basic}", "", "",
		func(r *http.Request) string {
			u, p, _ := r.BasicAuth()
			return u + ":" + p
		}},
}

func (k keyKind) spec() string { return fmt.Sprintf(keyAPISpec, k.scheme) }

// keyAPI serves keyAPISpec with broken object-level authorization: any
// valid key reads any account. It records, per account, which keys read it
// and every request that came without a valid key or tried to log in.
type keyAPI struct {
	kind keyKind
	keys map[string]int // key -> the account it belongs to
	mu   sync.Mutex
	read map[int]map[string]bool
	bad  []string
}

func newKeyAPI(t *testing.T, kind keyKind, keys map[string]int) (*keyAPI, string) {
	t.Helper()
	a := &keyAPI{kind: kind, keys: keys, read: map[int]map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		key := a.kind.read(r)
		if _, ok := a.keys[key]; !ok {
			a.note(r.Method + " " + r.URL.Path + " without a valid key")
			http.Error(w, `{"error":"unknown key"}`, http.StatusUnauthorized)
			return
		}
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil || id < 1 || id > 40 {
			http.NotFound(w, r)
			return
		}
		a.mu.Lock()
		if a.read[id] == nil {
			a.read[id] = map[string]bool{}
		}
		a.read[id][key] = true
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d,"owner":"owner%d","balance":%d}`, id, id, 100*id)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.note(r.Method + " " + r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return a, srv.URL
}

func (a *keyAPI) note(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bad = append(a.bad, s)
}

// foreign counts the accounts read with a key that is not theirs.
func (a *keyAPI) foreign() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for id, keys := range a.read {
		for k := range keys {
			if a.keys[k] != id {
				n++
				break
			}
		}
	}
	return n
}

// writeKeyPlan writes the spec, a file of the attackers' two keys and a
// plan enumerating GET /accounts/{id} with them.
func writeKeyPlan(t *testing.T, dir, target string, kind keyKind, keys []string) string {
	t.Helper()
	spec := filepath.Join(dir, "keyapi.yaml")
	require.NoError(t, os.WriteFile(spec, []byte(kind.spec()), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keys.txt"), []byte("# the test accounts' keys\n"+kind.header+strings.Join(keys, "\n")+"\n"), 0o600))
	plan := fmt.Sprintf(`version: "1"
target: {base_url: %s}
spec: %q
%sidentities:
  - {name: attackers, file: keys.txt, credential: %s}
scenarios:
  - id: enumeration-get-accounts-id
    kind: rest.enumeration
    operations: [{operation: "GET /accounts/{id}"}]
    executor: constant-vus
    vus: 2
    duration: 2s
    think: {dist: constant, mean: 10ms}
    identities: attackers
    budget: {requests: 2000}
    params: {param: id, from: "1", to: "40", replay: "true"}
containment:
  max_success: 5%%
sla:
  max_leak: 1000
`, target, spec, kind.auth, kind.credential)
	p := filepath.Join(dir, "abusegate.yaml")
	require.NoError(t, os.WriteFile(p, []byte(plan), 0o600))
	return p
}

// An API authenticated by API keys, bearer tokens or basic auth, with no
// login: the plan lists the attackers' credentials, every request carries
// one, none logs in, the enumeration reads foreign accounts, and no
// credential reaches any output.
func TestRunAPIKeyPoolLeaksForeignRecords(t *testing.T) {
	for _, kind := range keyKinds {
		t.Run(kind.credential, func(t *testing.T) {
			keys := map[string]int{"acct1:attacker0001": 1, "acct2:attacker0002": 2}
			api, target := newKeyAPI(t, kind, keys)
			dir := t.TempDir()
			p := writeKeyPlan(t, dir, target, kind, []string{"acct1:attacker0001", "acct2:attacker0002"})
			out := filepath.Join(dir, "r")
			code, stdout, errOut := cli(t, "run", "-c", p, "--report-dir", out, "--progress", "lines", "--shadow=false", "--replay")
			require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
			rep := readRunReport(t, out)
			require.Len(t, rep.Scenarios, 1, errOut)
			assert.Positive(t, rep.Scenarios[0].LeakTotal, "foreign records read with an attacker's key")
			assert.Greater(t, api.foreign(), 2, "the target saw accounts read with keys not theirs")
			assert.Zero(t, len(api.bad), "every request carried a valid key and none tried to log in; first: %q", api.bad[:min(len(api.bad), 3)])

			files := readOutputs(t, filepath.Join(out, "*"))
			require.Greater(t, len(files), 4, "every report format and the replay pack")
			files["stdout"], files["stderr"] = stdout, errOut
			for k := range keys {
				for _, secret := range []string{k, "attacker000", base64.StdEncoding.EncodeToString([]byte(k))} {
					for f, o := range files {
						assert.NotContains(t, o, secret, "credential in %s", f)
					}
				}
			}
		})
	}
}

// The same plan simulates against the spec-driven responder, which takes
// any key where the spec puts it when the spec has no login.
func TestSimulateAPIKeyPool(t *testing.T) {
	dir := t.TempDir()
	p := writeKeyPlan(t, dir, "http://127.0.0.1:9", keyKinds[0], []string{"ak_live_attacker0001", "ak_live_attacker0002"})
	out := filepath.Join(dir, "sim")
	code, _, errOut := cli(t, "simulate", "-c", p, "--report-dir", out, "--format", "json", "--duration", "10s")
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	var r simReport
	require.NoError(t, json.Unmarshal(data, &r))
	require.Len(t, r.Scenarios, 1)
	assert.Positive(t, r.Scenarios[0].Leak, "foreign records read with an attacker's key")
	assert.NotContains(t, string(data), "ak_live_attacker")
}

// generate gives a spec keyed by an API key, with no login, a pool of the
// user's keys instead of skipping the kinds that need a logged-in user, and
// the plan simulates with its enumeration leaking (stand-in keys: the
// responder takes any).
func TestGenerateKeyedPlan(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "keyapi.yaml")
	require.NoError(t, os.WriteFile(spec, []byte(keyKinds[0].spec()), 0o600))
	plan := filepath.Join(dir, "abusegate.yaml")
	code, _, errOut := cli(t, "generate", "--spec", spec, "-o", plan)
	require.Equal(t, exitOK, code, errOut)
	data, err := os.ReadFile(plan)
	require.NoError(t, err)
	text := string(data)
	for _, want := range []string{
		"auth:\n  token_in: \"header:X-API-Key\"",
		"  - name: attackers\n    file: \"attackers.keys\"\n    credential: api-key\n",
		"Put two or more of YOUR test accounts' api-key credentials in this file",
		"    identities: attackers\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "generate: {count: 2, prefix: attacker")

	out := filepath.Join(dir, "sim")
	code, _, errOut = cli(t, "simulate", "-c", plan, "--report-dir", out, "--format", "json", "--duration", "20s")
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	_, leaked := leaks(t, readFile(t, filepath.Join(out, "report.json")))
	assert.Positive(t, leaked["enumeration-get-accounts-id"], "the enumeration reads foreign accounts with a stand-in key")
}

// keyedShopSpec is a keyed API with a catalog: something for its ordinary
// clients to use.
const keyedShopSpec = `openapi: 3.0.3
info: {title: Keyed shop, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
  schemas:
    Product:
      type: object
      properties: {id: {type: integer}, name: {type: string}}
paths:
  /products:
    get:
      operationId: listProducts
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        "200":
          description: a page of the catalog
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Product"}}
  /products/{id}:
    get:
      operationId: getProduct
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a product
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Product"}
`

// The benign clients of an API without a login hold keys of their own:
// generate gives them a key file, simulate stands in a key per client, and
// they use the API with it. (They sent a login to an empty path before,
// so a keyed plan had no benign traffic at all.)
func TestKeyedPlanBenignClients(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "keyshop.yaml")
	require.NoError(t, os.WriteFile(spec, []byte(keyedShopSpec), 0o600))
	plan := filepath.Join(dir, "abusegate.yaml")
	code, _, errOut := cli(t, "generate", "--spec", spec, "-o", plan)
	require.Equal(t, exitOK, code, errOut)
	text := string(readFile(t, plan))
	assert.Contains(t, text, "  - name: shoppers\n    file: \"shoppers.keys\"\n    credential: api-key\n")
	assert.NotContains(t, text, "prefix: shopper", "no generated shoppers to log in where there is no login")

	out := filepath.Join(dir, "sim")
	code, _, errOut = cli(t, "simulate", "-c", plan, "--report-dir", out, "--format", "json", "--duration", "20s")
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	served, clients := 0, map[string]bool{}
	for _, x := range timelineExchanges(t, filepath.Join(out, "timeline.jsonl.gz")) {
		if x.Actor != scenarios.Benign {
			continue
		}
		assert.NotEmpty(t, x.Path, "a benign request with no path (a login to nowhere)")
		if x.Status >= 200 && x.Status < 300 {
			served++
		}
		clients[x.Identity] = true
	}
	assert.Positive(t, served, "benign clients' requests are served")
	assert.Len(t, clients, 20, "each benign VU is a client with a key of its own")
}

// timelineExchanges reads the exchanges of a timeline file.
func timelineExchanges(t *testing.T, path string) []scenarios.Exchange {
	t.Helper()
	tl, _, _, err := reports.ReadTimelineFile(path)
	require.NoError(t, err)
	return tl.Exchanges
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// readOutputs reads every file matching glob, gunzipped, by path.
func readOutputs(t *testing.T, glob string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(glob)
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range files {
		data := readFile(t, f)
		if strings.HasSuffix(f, ".gz") {
			data = gunzip(t, data)
		}
		out[f] = string(data)
	}
	return out
}
