package consumption_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/consumption"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// bigPage is the whole answer to a GET of path on srv asking for a
// million items a page.
func bigPage(t *testing.T, srv *url.URL, path string, h http.Header) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.JoinPath(path).String(), nil)
	require.NoError(t, err)
	req.URL.RawQuery = url.Values{"PageSize": {"1000000"}, "limit": {"1000000"}}.Encode()
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// readLimitOf is what of an answer the VUs read: its first
// vu.DefaultReadLimit bytes.
func readLimitOf(t *testing.T, body []byte) []byte {
	t.Helper()
	require.Greater(t, len(body), vu.DefaultReadLimit, "the answer is bigger than the read limit")
	return body[:vu.DefaultReadLimit]
}

// A shop of 60,000 products answers limit=1000000 with all of them, some
// 3 MB, of which the VUs read 1 MiB: the leak is the products that 1 MiB
// holds whole past the cap, where a count by parsing found none.
func TestUnguardedPagesCutAtTheReadLimitCountTheirWholeItems(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 60_000})
	head := readLimitOf(t, bigPage(t, tg.URL, "/products", nil))
	// A product ends with its price: the whole ones are those whose
	// price and closing brace are in the first MiB.
	whole := len(regexp.MustCompile(`"price_cents":\d+}`).FindAll(head, -1))
	require.Greater(t, whole, consumption.DefaultCap)

	sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-products")
	sc.Params["requests"] = "2"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 100)

	require.Equal(t, 4, res.Abusive, "two VUs, two requests each")
	assert.Equal(t, 4*(whole-consumption.DefaultCap), res.Leak)
}

// The same through GraphQL: a server that answers ten aliases of
// products(limit: 20000) { items { id } } whole, some 3 MB, which the VU
// reads cut at 1 MiB inside the fourth alias.
func TestGraphQLUnguardedAnswersCutAtTheReadLimitCountTheirWholeItems(t *testing.T) {
	const size = 20_000
	var b bytes.Buffer
	b.WriteString(`{"data":{`)
	for a := range consumption.DefaultAliases {
		if a > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"l%d":{"items":[`, a)
		for i := range size {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"%d"}`, i+1)
		}
		fmt.Fprintf(&b, `],"total":%d}`, size)
	}
	b.WriteString("}}\n")
	answer := b.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc struct {
			Query     string
			Variables struct{ Size int }
		}
		if json.NewDecoder(r.Body).Decode(&doc) != nil || doc.Variables.Size != size || !strings.Contains(doc.Query, "l9: products(limit: $size) { items { id } }") {
			http.Error(w, "not the oversized document", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, consumption.GraphQL{}, generators.Options{}, "graphql-consumption-query-products")
	sc.Params["requests"], sc.Params["size"] = "2", strconv.Itoa(size)
	sc.Schedule.VUs = 1
	sc.Think = scenarios.ConstantThink(0)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	tg.URL = u
	res := tg.Run(t, consumption.GraphQL{}, sc, 20*time.Second, 10)

	head := readLimitOf(t, answer)
	_, err = generators.ParseAnswers(head)
	require.Error(t, err, "no parser accepts the cut answer")
	aliases := regexp.MustCompile(`"l\d":`).Split(string(head), -1)[1:]
	require.Len(t, aliases, 4)
	want := 0
	for _, alias := range aliases {
		want += max(0, len(regexp.MustCompile(`\{"id":"\d+"\}`).FindAllString(alias, -1))-consumption.DefaultListCap)
	}
	require.Equal(t, 2, res.Abusive)
	for _, ex := range res.Exchanges {
		assert.Equal(t, scenarios.OutcomeSuccess, ex.Outcome)
		assert.Equal(t, want, ex.Leak)
	}
}

// Twilio's GET /v1/Credentials/AWS documents PageSize up to 1,000 and a
// responder that serves whatever is asked (bounded only by its node
// budget here, not by its default MaxBody under the read limit) answers
// PageSize=1000000 with some 2 MB: the leak is the records the read MiB
// holds whole past the documented 1,000.
func TestUnguardedCutPagesOfTwilioCountTheirWholeRecords(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "specs", "openapi", "twilio_accounts_v1.yaml")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public spec %s missing in CI: %v", path, err)
		}
		t.Skipf("public spec %s not here (../shared/specs is laid beside the repository): %v", path, err)
	}
	surface, _, err := openapi.LoadFile(path)
	require.NoError(t, err)
	srv := httptest.NewServer(responder.New(surface, responder.Options{Seed: 1, MaxBody: 64 << 20}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	tg := &kindtest.Target{URL: u, Surface: surface}
	sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-v1-credentials-aws")
	require.Equal(t, "1000", sc.Params["cap"])
	id := scenarios.Identity{Username: "ACstandin", Password: "sim", Credential: "basic"}
	sc.Identities = []scenarios.Identity{id}
	sc.Params["requests"] = "2"
	sc.Schedule.VUs = 1
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 10)

	h := generators.NewSession(scenarios.Auth{}, id, "oracle").Header()
	full := bigPage(t, u, "/v1/Credentials/AWS", h)
	head := readLimitOf(t, full)
	// The records the head holds whole, from the whole answer's records
	// (compact JSON, one comma apart) and where their list starts.
	var page struct {
		Credentials []json.RawMessage `json:"credentials"`
	}
	require.NoError(t, json.Unmarshal(full, &page))
	at := bytes.Index(full, []byte(`"credentials":[`)) + len(`"credentials":[`)
	whole := 0
	for _, rec := range page.Credentials {
		if at+len(rec) > len(head) {
			break
		}
		require.Equal(t, string(rec), string(full[at:at+len(rec)]))
		at += len(rec) + 1
		whole++
	}
	require.Greater(t, whole, 1000)
	require.Less(t, whole, len(page.Credentials))
	assert.Equal(t, 2*(whole-1000), res.Leak)
}
