package generators

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// The id harvested from a list item is the one the object read takes:
// the field named as its path parameter, case aside, before "id" and the
// resource's usual names; a field of that name that holds no id is
// passed over.
func TestItemIDOf(t *testing.T) {
	tests := []struct {
		name        string
		param, list string
		item        map[string]any
		want        string
		wantOK      bool
	}{
		{"Twilio's {Sid} is sid", "Sid", "/v1/Credentials/AWS",
			map[string]any{"sid": "CRaa", "account_sid": "ACbb", "url": "https://accounts.twilio.com/v1/Credentials/AWS/CRaa"}, "CRaa", true},
		{"the museum's {eventId}", "eventId", "/special-events",
			map[string]any{"eventId": "3f2c-uuid", "name": "Pirate Coding Workshop"}, "3f2c-uuid", true},
		{"the parameter's field before id", "Sid", "/things", map[string]any{"id": "other", "SID": "CRcc"}, "CRcc", true},
		{"id when the parameter names no field", "customer", "/v1/customers", map[string]any{"id": "cus_1"}, "cus_1", true},
		{"an integer id", "id", "/users", map[string]any{"id": float64(42)}, "42", true},
		{"the resource's id", "key", "/special-events", map[string]any{"event_id": "e-7"}, "e-7", true},
		{"the resource's id in camel case", "key", "/users", map[string]any{"userId": float64(9)}, "9", true},
		{"a uuid", "key", "/orders", map[string]any{"uuid": "u-1"}, "u-1", true},
		{"a parameter field that is no id", "owner", "/repos", map[string]any{"owner": map[string]any{"login": "x"}, "id": float64(3)}, "3", true},
		{"an empty id", "Sid", "/things", map[string]any{"sid": ""}, "", false},
		{"no id at all", "Sid", "/things", map[string]any{"name": "a"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ItemIDOf(tt.item, IDNames(tt.param, tt.list))
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// ItemID keeps reading "id" alone, as its callers (scraping, carts) expect.
func TestItemIDReadsIDOnly(t *testing.T) {
	id, ok := ItemID(map[string]any{"id": float64(7), "sid": "CRaa"})
	assert.True(t, ok)
	assert.Equal(t, "7", id)
	_, ok = ItemID(map[string]any{"sid": "CRaa", "ID": "x"})
	assert.False(t, ok)
}

func TestResource(t *testing.T) {
	for path, want := range map[string]string{
		"/special-events": "event", "/users": "user", "/v1/Credentials/PublicKeys": "publickey",
		"/categories": "category", "/v1/Credentials/AWS": "aws", "/address": "address", "/users/{id}/": "", "/": "",
	} {
		assert.Equal(t, want, resource(path), path)
	}
}

// PageParams names Twilio's PageSize, Page and PageToken by role, the
// first of each role only, query parameters only, and no backward cursor.
func TestPageParams(t *testing.T) {
	op := scenarios.Operation{Params: []scenarios.Param{
		{Name: "ending_before", In: scenarios.InQuery, Role: scenarios.ParamCursor},
		{Name: "PageSize", In: scenarios.InQuery, Role: scenarios.ParamPageSize},
		{Name: "Page", In: scenarios.InQuery, Role: scenarios.ParamPage},
		{Name: "PageToken", In: scenarios.InQuery, Role: scenarios.ParamCursor},
		{Name: "after", In: scenarios.InQuery, Role: scenarios.ParamCursor},
		{Name: "offset", In: scenarios.InHeader, Role: scenarios.ParamOffset},
	}}
	page, offset, cursor, size := PageParams(op)
	require.Equal(t, []string{"Page", "", "PageToken", "PageSize"}, []string{page, offset, cursor, size})
}

func TestPathParams(t *testing.T) {
	assert.Equal(t, []string{"customer", "id"}, PathParams("/v1/customers/{customer}/sources/{id}"))
	assert.Equal(t, []string{"id"}, PathParams("/users/{id}"))
	assert.Empty(t, PathParams("/users"))
	assert.Empty(t, PathParams("/odd}/{"), "an unclosed brace names nothing")
}

func TestItemsTakesTheFirstListTheAnswerWrites(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string // the items' ids; nil for none
	}{
		{"array", `[{"id":"a"},{"id":"b"}]`, []string{"a", "b"}},
		{"one list", `{"page":1,"items":[{"id":"a"}]}`, []string{"a"}},
		// JSON:API: data first, included after; a map's order would
		// pick either.
		{"two lists", `{"data":[{"id":"d1"},{"id":"d2"}],"included":[{"id":"i1"}]}`, []string{"d1", "d2"}},
		{"two lists, other order", `{"included":[{"id":"i1"}],"data":[{"id":"d1"},{"id":"d2"}]}`, []string{"i1"}},
		{"empty list first", `{"errors":[],"data":[{"id":"d1"}]}`, []string{"d1"}},
		// A list that is not of objects decodes partly before failing;
		// what it read must not stand for a later member.
		{"mistyped list then null", `{"data":[{"id":"x"},1],"more":null}`, nil},
		{"list of numbers", `{"ids":[1,2,3]}`, nil},
		{"not JSON", `{"data":[{"id":"x"}]`, nil},
		{"trailing data", `{"data":[{"id":"x"}]} {}`, nil},
		{"scalar", `"data"`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 20 { // the same answer, every run
				var got []string
				for _, it := range Items([]byte(c.body)) {
					id, _ := ItemID(it)
					got = append(got, id)
				}
				assert.Equal(t, c.want, got)
			}
		})
	}
}
