package responder_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/responder"
)

// A keyed API's lists carry ids of the spec's form in "id" and in the
// field its object read names (Twilio's {Sid} is "sid", ^CR[0-9a-fA-F]{32}$;
// the museum's {eventId} a uuid), distinct per record and the same on
// every read, and reading one by that id answers that id: what an
// enumeration walk harvests and re-reads.
func TestListedIDsFollowTheSpecAndReadBack(t *testing.T) {
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	cases := []struct {
		spec, list, field, read string
		form                    *regexp.Regexp
	}{
		{"twilio_accounts_v1.yaml", "/v1/Credentials/AWS", "sid", "/v1/Credentials/AWS/", regexp.MustCompile(`^CR[0-9a-fA-F]{32}$`)},
		{"twilio_accounts_v1.yaml", "/v1/Credentials/PublicKeys?PageSize=30", "sid", "/v1/Credentials/PublicKeys/", regexp.MustCompile(`^CR[0-9a-fA-F]{32}$`)},
		{"redocly-museum.yaml", "/special-events?limit=25", "eventId", "/special-events/", uuidRE},
	}
	for _, c := range cases {
		t.Run(c.spec+c.list, func(t *testing.T) {
			srv := httptest.NewServer(responder.New(publicSpec(t, c.spec), responder.Options{Seed: 9}))
			defer srv.Close()
			code, body := do(t, srv, http.MethodGet, c.list, "any-key", nil)
			require.Equal(t, http.StatusOK, code)
			items := listed(body)
			require.GreaterOrEqual(t, len(items), 20)
			seen := map[string]bool{}
			for _, it := range items {
				id, _ := it["id"].(string)
				assert.Regexp(t, c.form, id, "the id the walk reads")
				assert.Equal(t, id, it[c.field], "the spec's id field holds the same id")
				assert.False(t, seen[id], "ids are distinct: %s", id)
				seen[id] = true
			}
			_, again := do(t, srv, http.MethodGet, c.list, "any-key", nil)
			assert.Equal(t, body, again, "the same ids on every read")
			id := items[3]["id"].(string)
			code, rec := do(t, srv, http.MethodGet, c.read+id, "any-key", nil)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, id, rec.(map[string]any)[c.field], "the read answers the record it names")
		})
	}
}

// listed is a list answer's items: the body itself, or its list field.
func listed(body any) []map[string]any {
	var raw []any
	switch t := body.(type) {
	case []any:
		raw = t
	case map[string]any:
		for _, v := range t {
			if l, ok := v.([]any); ok && len(l) > len(raw) {
				raw = l
			}
		}
	}
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// An oversized page is served as far as a client reading runtime/vu's
// 1 MiB of an answer can count it: past Twilio's documented 1,000 a
// page, in a body of at most MaxBody (1,000,000) bytes, whose next-page
// cursor follows the last record served.
func TestOversizedPageFitsTheReadLimit(t *testing.T) {
	srv := httptest.NewServer(responder.New(publicSpec(t, "twilio_accounts_v1.yaml"), responder.Options{Seed: 2}))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/Credentials/AWS?PageSize=1000000", nil)
	require.NoError(t, err)
	req.SetBasicAuth("user", "key")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.LessOrEqual(t, len(data), 1_000_000, "within MaxBody")
	var page struct {
		Credentials []map[string]any `json:"credentials"`
	}
	require.NoError(t, json.Unmarshal(data, &page), "a whole JSON page")
	assert.Greater(t, len(page.Credentials), 2000, "well past the documented maximum of 1,000")
}
