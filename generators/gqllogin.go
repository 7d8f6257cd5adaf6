package generators

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLLogin says how to log in through a GraphQL mutation: which field,
// its username and password arguments (with their declared types, which a
// document must repeat), and where the token is in its payload. GraphQL
// kinds log in this way, so a plan generated from an SDL alone needs no
// REST login.
type GraphQLLogin struct {
	Endpoint string
	Field    string
	// InputArg and InputType name the input-object argument holding the
	// credentials, when they travel in one ("input" of type
	// "CustomerAccessTokenCreateInput!"); UsernameArg and PasswordArg are
	// then its dotted fields ("input.email").
	InputArg, InputType       string
	UsernameArg, UsernameType string
	PasswordArg, PasswordType string
	// TokenField and UserIDField are dotted paths in the payload
	// ("token", "customerAccessToken.accessToken"); UserIDField may be "".
	TokenField, UserIDField string
}

// loginOperationName names the login document, so a program can tell its
// login from its abuse on the one endpoint.
const loginOperationName = "AbusegateLogin"

// GraphQLLoginFrom finds the GraphQL login mutation of s: a mutation
// playing RoleLogin with a username and a password argument and a
// token-like field in its payload.
func GraphQLLoginFrom(s scenarios.Surface) (GraphQLLogin, error) {
	for _, op := range s.Operations {
		if op.Protocol != scenarios.GraphQL || !op.Has(scenarios.RoleLogin) {
			continue
		}
		l := GraphQLLogin{Endpoint: op.Endpoint, Field: op.Path}
		for _, p := range op.Params {
			switch {
			case p.In != scenarios.InArgument || strings.Count(p.Name, ".") > 1:
			case p.Role == scenarios.ParamUsername && l.UsernameArg == "":
				l.UsernameArg, l.UsernameType = p.Name, p.DeclaredType
			case p.Role == scenarios.ParamPassword && l.PasswordArg == "":
				l.PasswordArg, l.PasswordType = p.Name, p.DeclaredType
			}
		}
		l.TokenField = responseField(op.ResponseFields, "token", "accesstoken", "access_token", "jwt", "idtoken", "id_token", "sessiontoken")
		l.UserIDField = responseField(op.ResponseFields, "userid", "user_id", "user.id", "id")
		if l.UsernameArg == "" || l.PasswordArg == "" || l.TokenField == "" || l.Endpoint == "" {
			continue
		}
		ui, _, nested := strings.Cut(l.UsernameArg, ".")
		pi, _, _ := strings.Cut(l.PasswordArg, ".")
		if nested {
			in, ok := op.Param(scenarios.InArgument, ui)
			if !ok || pi != ui || in.DeclaredType == "" {
				continue // credentials in two input objects: not a login we can call
			}
			l.InputArg, l.InputType = ui, in.DeclaredType
		}
		return l, nil
	}
	return GraphQLLogin{}, errors.New("no GraphQL login mutation: expected a mutation taking a username and a password argument and returning a token")
}

// responseField returns the first of fields (dotted paths) whose last
// segment, lower-cased, is one of names; a path ending in "user.id" also
// matches "user.id".
func responseField(fields []string, names ...string) string {
	for _, want := range names {
		for _, f := range fields {
			path := strings.ToLower(strings.ReplaceAll(f, "[]", ""))
			if strings.Contains(path, "[") {
				continue
			}
			last := path[strings.LastIndexByte(path, '.')+1:]
			if last == want || strings.HasSuffix(path, want) && strings.Contains(want, ".") {
				return f
			}
		}
	}
	return ""
}

// Params writes the login into a scenario's params, so a plan can correct
// it: login_field, login_username and login_password ("name:Type"),
// token_field, user_id_field and endpoint.
func (l GraphQLLogin) Params(p map[string]string) {
	p["endpoint"] = l.Endpoint
	p["login_field"] = l.Field
	p["login_username"] = l.UsernameArg + ":" + l.UsernameType
	p["login_password"] = l.PasswordArg + ":" + l.PasswordType
	p["token_field"] = l.TokenField
	if l.InputArg != "" {
		p["login_input"] = l.InputArg + ":" + l.InputType
	}
	if l.UserIDField != "" {
		p["user_id_field"] = l.UserIDField
	}
}

// GraphQLLoginFromParams reads what Params wrote; ok is false when the
// params name no GraphQL login.
func GraphQLLoginFromParams(p map[string]string) (l GraphQLLogin, ok bool, err error) {
	if p["login_field"] == "" {
		return GraphQLLogin{}, false, nil
	}
	l = GraphQLLogin{Endpoint: p["endpoint"], Field: p["login_field"], TokenField: p["token_field"], UserIDField: p["user_id_field"]}
	var errs []error
	var cut bool
	if l.UsernameArg, l.UsernameType, cut = strings.Cut(p["login_username"], ":"); !cut || l.UsernameArg == "" {
		errs = append(errs, fmt.Errorf("login_username=%q: want \"argument:Type\", such as \"username:String!\"", p["login_username"]))
	}
	if l.PasswordArg, l.PasswordType, cut = strings.Cut(p["login_password"], ":"); !cut || l.PasswordArg == "" {
		errs = append(errs, fmt.Errorf("login_password=%q: want \"argument:Type\", such as \"password:String!\"", p["login_password"]))
	}
	if !strings.HasPrefix(l.Endpoint, "/") {
		errs = append(errs, fmt.Errorf("endpoint=%q: want the HTTP path the schema is served on, such as /graphql", l.Endpoint))
	}
	if l.TokenField == "" {
		errs = append(errs, errors.New("token_field is empty: name the payload field holding the token"))
	}
	if in := p["login_input"]; in != "" {
		l.InputArg, l.InputType, cut = strings.Cut(in, ":")
		if !cut || l.InputArg == "" || l.InputType == "" || !strings.HasPrefix(l.UsernameArg, l.InputArg+".") || !strings.HasPrefix(l.PasswordArg, l.InputArg+".") {
			errs = append(errs, fmt.Errorf("login_input=%q: want \"argument:InputType\" whose fields login_username and login_password name (\"input.email\")", in))
		}
	}
	return l, true, errors.Join(errs...)
}

// Add puts one login attempt into d under alias, with its own variables
// (suffixed n), so many attempts fit in one document.
func (l GraphQLLogin) Add(d *Doc, alias string, n int, username, password string) {
	paths := []string{l.TokenField}
	if l.UserIDField != "" {
		paths = append(paths, l.UserIDField)
	}
	if l.InputArg != "" {
		in := d.Var(fmt.Sprintf("in%d", n), l.InputType, map[string]string{
			strings.TrimPrefix(l.UsernameArg, l.InputArg+"."): username,
			strings.TrimPrefix(l.PasswordArg, l.InputArg+"."): password,
		})
		d.Field(alias, l.Field, map[string]string{l.InputArg: in}, Selection(paths, 8))
		return
	}
	u := d.Var(fmt.Sprintf("u%d", n), l.UsernameType, username)
	p := d.Var(fmt.Sprintf("p%d", n), l.PasswordType, password)
	d.Field(alias, l.Field, map[string]string{l.UsernameArg: u, l.PasswordArg: p}, Selection(paths, 8))
}

// Token reads the token (and the account's id) of the attempt under
// alias; ok is false when that attempt failed.
func (l GraphQLLogin) Token(a Answer, alias string) (token, userID string, ok bool) {
	payload, found := a.Object(alias)
	if !found {
		return "", "", false
	}
	token, _ = dig(payload, l.TokenField).(string)
	switch v := dig(payload, l.UserIDField).(type) {
	case string:
		userID = v
	case float64:
		userID = fmt.Sprint(int64(v))
	}
	return token, userID, token != ""
}

// dig follows a dotted path through decoded JSON objects.
func dig(v any, path string) any {
	if path == "" {
		return nil
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// NewGraphQLSession returns a Session that logs in through the GraphQL
// login mutation instead of a REST login; Drive, Header and the rest work
// the same.
func NewGraphQLSession(l GraphQLLogin, identity scenarios.Identity, prefix string) *Session {
	s := NewSession(scenarios.Auth{Path: l.Endpoint}, identity, prefix)
	s.gql = &l
	return s
}

// SessionFor returns the session a GraphQL program logs in with: through
// the GraphQL login its params name, else through the plan's REST login.
// An identity with a key of its own (a credential: pool) needs neither.
func SessionFor(params map[string]string, env Env, prefix string) (*Session, error) {
	l, ok, err := GraphQLLoginFromParams(params)
	switch {
	case err != nil:
		return nil, err
	case env.Identity.Credential != "":
		return NewSession(env.Auth, env.Identity, prefix), nil
	case ok:
		return NewGraphQLSession(l, env.Identity, prefix), nil
	case env.Auth.Path != "":
		return NewSession(env.Auth, env.Identity, prefix), nil
	}
	return nil, errors.New("no login: the params name no GraphQL login mutation (login_field) and the plan has no auth")
}

func (s *Session) gqlLoginRequest() scenarios.Request {
	d := NewDoc("mutation", loginOperationName)
	s.gql.Add(d, s.gql.Field, 0, s.identity.Username, s.identity.Password)
	return GraphQLRequest(s.gql.Endpoint, nil, d)
}

func (s *Session) gqlIsLogin(req scenarios.Request) bool {
	return req.Path == s.gql.Endpoint && bytes.Contains(req.Body, []byte(`"operationName":"`+loginOperationName+`"`))
}

func (s *Session) gqlAccept(res *scenarios.Result) bool {
	answers, err := ParseAnswers(res.Body)
	if err != nil || len(answers) != 1 {
		return false
	}
	tok, id, ok := s.gql.Token(answers[0], s.gql.Field)
	s.token = tok
	if id != "" {
		s.userID = id
	}
	return ok
}
