package enumeration_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
	gqladapter "github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/scenarios"
)

// slugSchema reads users by login, as GitHub's user(login:) does: the
// profile (email, address) is behind a login, yet any logged-in user may
// read anyone's; a public list hands out some logins.
const slugSchema = `
directive @authenticated on FIELD_DEFINITION
type Query {
  "A member's profile by login."
  user(login: String!): User @authenticated
  "The newest members, public."
  users(first: Int = 20): [Member!]!
}
type Mutation {
  "Exchanges a username and password for a bearer token."
  login(username: String!, password: String!): LoginPayload
}
type LoginPayload { token: String! userId: ID! }
type Member { login: String! name: String! }
type User { login: String! name: String! email: String! address: String! }
`

type slugUser struct {
	Login, Name, Email, Address string
}

type slugMember struct{ Login, Name string }

type slugPayload struct {
	Token  string
	UserID graphql.ID
}

type slugRoot struct {
	users  map[string]*slugUser
	listed []string
}

type tokenKey struct{}

func (r *slugRoot) User(ctx context.Context, args struct{ Login string }) (*slugUser, error) {
	if ctx.Value(tokenKey{}) != "Bearer tok-mallory" {
		return nil, errors.New("unauthenticated")
	}
	return r.users[args.Login], nil
}

func (r *slugRoot) Users(args struct{ First int32 }) []*slugMember {
	var out []*slugMember
	for _, l := range r.listed {
		if len(out) >= int(args.First) {
			break
		}
		out = append(out, &slugMember{Login: l, Name: r.users[l].Name})
	}
	return out
}

func (r *slugRoot) Login(args struct{ Username, Password string }) *slugPayload {
	if args.Username != "mallory" || args.Password != "hunter2" {
		return nil
	}
	return &slugPayload{Token: "tok-mallory", UserID: "90210"}
}

// slugServer serves slugSchema on a loopback POST /graphql: logins in the
// usernames wordlist (admin, alice, bob), logins only the public list
// names (zoe-k, quentin92), and one neither lists nor guesses
// (hidden-walt); mallory is the attacker.
func slugServer(t *testing.T) *url.URL {
	t.Helper()
	root := &slugRoot{users: map[string]*slugUser{}, listed: []string{"alice", "zoe-k", "mallory", "quentin92"}}
	for _, l := range []string{"admin", "alice", "bob", "zoe-k", "quentin92", "hidden-walt", "mallory"} {
		root.users[l] = &slugUser{Login: l, Name: strings.ToUpper(l), Email: l + "@example.test", Address: "1 " + l + " st"}
	}
	schema := graphql.MustParseSchema(slugSchema, root, graphql.UseFieldResolvers())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Query         string         `json:"query"`
			OperationName string         `json:"operationName"`
			Variables     map[string]any `json:"variables"`
		}
		if r.URL.Path != "/graphql" || json.NewDecoder(r.Body).Decode(&q) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ctx := context.WithValue(r.Context(), tokenKey{}, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(schema.Exec(ctx, q.Query, q.OperationName, q.Variables)))
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return u
}

// A user read by login is walked as names: the logins the public list
// hands out, then the usernames wordlist; never integers. Every profile
// found is a foreign record: the listed alice, zoe-k and quentin92 and the
// guessed admin and bob. hidden-walt is neither listed nor guessed, and
// the attacker's own profile is never asked for.
func TestGraphQLSlugWalkUsesHarvestAndWordlist(t *testing.T) {
	surface, _, err := gqladapter.Load(gqladapter.Options{}, gqladapter.Source{Name: "slug.graphql", Data: []byte(slugSchema)})
	require.NoError(t, err)
	attacker := []scenarios.Identity{{Username: "mallory", Password: "hunter2"}}
	scs := enumeration.NewGraphQL().Generate(surface, generators.Options{Attackers: attacker})
	require.Len(t, scs, 1)
	sc := scs[0]
	assert.Equal(t, "words", sc.Params["walk"])
	assert.Equal(t, "usernames", sc.Params["wordlist"])
	assert.Equal(t, "users", sc.Params["harvest_field"])
	assert.Equal(t, "[].login", sc.Params["harvest_path"])
	assert.Equal(t, "first:Int", sc.Params["harvest_size_arg"])
	assert.NotContains(t, sc.Params, "from", "names are not walked as integers")
	assert.Contains(t, sc.Operations[0].Why, "usernames wordlist")
	sc.Think = scenarios.ConstantThink(0)

	tg := &kindtest.Target{URL: slugServer(t)}
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 100)

	assert.Equal(t, 5, res.Leak, "alice, zoe-k, quentin92 (listed), admin, bob (guessed)")
	assert.Zero(t, res.Denied)
	var asked []string
	for _, ex := range res.Exchanges {
		if ex.Abusive {
			asked = append(asked, ex.Path)
		}
	}
	// 3 listed logins besides mallory's, then 40 words less alice: 42
	// names, 10 aliases a request, over two VUs.
	assert.Len(t, asked, 5)
}

// The same walk needs a list or a wordlist to try.
func TestGraphQLWordsWalkNeedsNames(t *testing.T) {
	p := map[string]string{"walk": "words", "field": "user", "arg": "login", "endpoint": "/graphql",
		"login_field": "login", "login_username": "username:String!", "login_password": "password:String!", "token_field": "token"}
	_, err := enumeration.NewGraphQL().Program(scenarios.Scenario{ID: "g", Params: p}, generators.Env{})
	assert.ErrorContains(t, err, "nothing to try")
	p["wordlist"] = "pets"
	_, err = enumeration.NewGraphQL().Program(scenarios.Scenario{ID: "g", Params: p}, generators.Env{})
	assert.ErrorContains(t, err, "want usernames or handles")
	p["wordlist"], p["walk"] = "", "letters"
	_, err = enumeration.NewGraphQL().Program(scenarios.Scenario{ID: "g", Params: p}, generators.Env{})
	assert.ErrorContains(t, err, "want integers or words")
}
