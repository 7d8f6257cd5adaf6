package generators_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

func TestDocWithAliasesAndVariables(t *testing.T) {
	d := generators.NewDoc("MUTATION", "Attempts")
	for i, pw := range []string{`pa"ss`, "word"} {
		u := d.Var("u"+string(rune('0'+i)), "String!", "bob")
		p := d.Var("p"+string(rune('0'+i)), "", pw)
		d.Field("a"+string(rune('0'+i)), "login", map[string]string{"username": u, "password": p}, "token")
	}
	d.Field("", "me", nil, "")
	assert.Equal(t, `mutation Attempts($u0: String!, $p0: String, $u1: String!, $p1: String) { a0: login(password: $p0, username: $u0) { token } a1: login(password: $p1, username: $u1) { token } me }`, d.Query())
	assert.Equal(t, 3, d.Len())

	req := generators.GraphQLRequest("/graphql", nil, d)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	var body struct {
		Query, OperationName string
		Variables            map[string]string
	}
	require.NoError(t, json.Unmarshal(req.Body, &body))
	assert.Equal(t, "Attempts", body.OperationName)
	assert.Equal(t, `pa"ss`, body.Variables["p0"], "values travel as variables, never in the text")

	batch := generators.GraphQLBatch("/graphql", nil, []*generators.Doc{d, d})
	var arr []map[string]any
	require.NoError(t, json.Unmarshal(batch.Body, &arr))
	assert.Len(t, arr, 2)
}

func TestSelection(t *testing.T) {
	fields := []string{"discountCents", "discounts[]", "discounts[].code", "items[]", "items[].product.id", "items[].product.name", "items[].quantity", "total"}
	tests := []struct {
		depth int
		want  string
	}{
		{1, "discountCents total"},
		{2, "discountCents discounts { code } items { quantity } total"},
		{3, "discountCents discounts { code } items { product { id name } quantity } total"},
	}
	for _, tt := range tests {
		t.Run(string(rune('0'+tt.depth)), func(t *testing.T) {
			assert.Equal(t, tt.want, generators.Selection(fields, tt.depth))
		})
	}
}

func TestJudgeGraphQL(t *testing.T) {
	count := func(as []generators.Answer) int {
		n := 0
		for _, a := range as {
			if _, ok := a.Object("user"); ok {
				n++
			}
		}
		return n
	}
	judge := generators.JudgeGraphQL(count)
	tests := []struct {
		name    string
		status  int
		body    string
		outcome scenarios.Outcome
		leak    int
	}{
		{"read", 200, `{"data":{"user":{"id":"2"}}}`, scenarios.OutcomeSuccess, 1},
		{"batch", 200, `[{"data":{"user":{"id":"2"}}},{"data":{"user":{"id":"3"}}}]`, scenarios.OutcomeSuccess, 2},
		{"null with error", 200, `{"data":{"user":null},"errors":[{"message":"user not found","extensions":{"status":404}}]}`, scenarios.OutcomeFailed, 0},
		{"refused in-band", 200, `{"data":{"user":null},"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}`, scenarios.OutcomeDenied, 0},
		{"blocked by the guard", 403, `{"error":"blocked"}`, scenarios.OutcomeDenied, 0},
		{"not json", 200, `<html>`, scenarios.OutcomeFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, n := judge(scenarios.Result{Status: tt.status, Body: []byte(tt.body)})
			assert.Equal(t, tt.outcome, o)
			assert.Equal(t, tt.leak, n)
		})
	}
}

func TestGraphQLLoginParamsRoundTrip(t *testing.T) {
	l := generators.GraphQLLogin{Endpoint: "/graphql", Field: "customerAccessTokenCreate", InputArg: "input", InputType: "CustomerAccessTokenCreateInput!",
		UsernameArg: "input.email", UsernameType: "String!",
		PasswordArg: "input.password", PasswordType: "String!", TokenField: "customerAccessToken.accessToken"}
	p := map[string]string{}
	l.Params(p)
	got, ok, err := generators.GraphQLLoginFromParams(p)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, l, got)

	d := generators.NewDoc("mutation", "M")
	got.Add(d, "x", 3, "a@example.com", "pw")
	assert.Equal(t, "mutation M($in3: CustomerAccessTokenCreateInput!) { x: customerAccessTokenCreate(input: $in3) { customerAccessToken { accessToken } } }", d.Query())

	tok, _, ok := got.Token(generators.Answer{Data: map[string]json.RawMessage{
		"x": json.RawMessage(`{"customerAccessToken":{"accessToken":"t0k"}}`)}}, "x")
	assert.True(t, ok)
	assert.Equal(t, "t0k", tok)

	_, ok, err = generators.GraphQLLoginFromParams(map[string]string{"login_field": "login", "endpoint": "graphql"})
	assert.True(t, ok)
	for _, want := range []string{"login_username", "login_password", "endpoint=", "token_field"} {
		assert.ErrorContains(t, err, want)
	}
	_, ok, err = generators.GraphQLLoginFromParams(map[string]string{})
	assert.False(t, ok)
	assert.NoError(t, err)
}

func FuzzParseAnswers(f *testing.F) {
	for _, s := range []string{`{"data":{"a":null}}`, `[{"errors":[{"message":"x","extensions":{"status":403}}]}]`, `[`, `null`, ` {"data":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		as, err := generators.ParseAnswers(body)
		if err != nil {
			return
		}
		for _, a := range as {
			a.Denied()
			a.Object("a")
		}
	})
}
