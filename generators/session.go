package generators

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// Session is a VU's logged-in state: it builds the login request, reads the
// token (and the account's own id) from the answer, and authorizes later
// requests. Programs embed one.
type Session struct {
	auth     scenarios.Auth
	identity scenarios.Identity
	prefix   string
	token    string
	userID   string
	logins   int
	// gql, when set, logs in through a GraphQL mutation (gqllogin.go).
	gql *GraphQLLogin
	// reported is Session's answer and authz the Authorization value of a
	// basic or bearer credential, each made again only when the token or
	// the login they were made for changed: they were asked for on every
	// request, and a day's simulation sends hundreds of thousands.
	reported    scenarios.Session
	reportedFor sessionKey
	authz       string
	authzFor    string
}

// sessionKey is what a session's report depends on.
type sessionKey struct {
	token  string
	logins int
	valid  bool
}

// NewSession returns a session for identity; prefix names its sessions in
// the timeline (a new login starts a new session: prefix/1, prefix/2, ...).
// An identity with a static credential (identity.Credential) is logged in
// from the start: Drive sends no login and Header carries the credential.
func NewSession(auth scenarios.Auth, identity scenarios.Identity, prefix string) *Session {
	s := &Session{auth: auth, identity: identity, prefix: prefix, userID: identity.UserID}
	if identity.Credential != "" {
		s.token = StaticCredential(identity)
		s.logins = 1
	}
	return s
}

// StaticCredential is the secret an identity with a static credential
// sends: its key or token, or "username:password" for basic auth.
func StaticCredential(id scenarios.Identity) string {
	if id.Credential == "basic" {
		return id.Username + ":" + id.Password
	}
	return id.Key
}

// Static reports whether the session sends a static credential and never
// logs in.
func (s *Session) Static() bool { return s.identity.Credential != "" }

// LoginRequest returns the request that logs the identity in.
func (s *Session) LoginRequest() scenarios.Request {
	if s.gql != nil {
		s.logins++
		s.token = ""
		return s.gqlLoginRequest()
	}
	body, _ := json.Marshal(map[string]string{
		s.auth.UsernameField: s.identity.Username,
		s.auth.PasswordField: s.identity.Password,
	})
	s.logins++
	s.token = ""
	return scenarios.Request{
		Method: http.MethodPost,
		Path:   s.auth.Path,
		Route:  s.auth.Path,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	}
}

// IsLogin reports whether req is this session's login request.
func (s *Session) IsLogin(req scenarios.Request) bool {
	if s.gql != nil {
		return s.gqlIsLogin(req)
	}
	return req.Method == http.MethodPost && req.Path == s.auth.Path
}

// Accept reads the answer to a login request and reports whether the
// session now holds a token.
func (s *Session) Accept(res *scenarios.Result) bool {
	if res == nil || res.Status != http.StatusOK && res.Status != http.StatusCreated {
		return false
	}
	if s.gql != nil {
		return s.gqlAccept(res)
	}
	var body map[string]any
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return false
	}
	tok, _ := body[s.auth.TokenField].(string)
	s.token = tok
	if s.auth.UserIDField != "" {
		switch v := body[s.auth.UserIDField].(type) {
		case float64:
			s.userID = fmt.Sprint(int64(v))
		case string:
			s.userID = v
		}
	}
	return s.token != ""
}

// LoggedIn reports whether the session holds a token.
func (s *Session) LoggedIn() bool { return s.token != "" }

// Logins is how many times the session has logged in.
func (s *Session) Logins() int { return s.logins }

// UserID is the account's own object id, from the identity or the login
// answer.
func (s *Session) UserID() string { return s.userID }

// Header returns request headers carrying the session's token.
func (s *Session) Header() http.Header {
	h := http.Header{}
	switch {
	case s.token == "":
	case s.identity.Credential == "basic" || s.identity.Credential == "bearer":
		if s.authzFor != s.token || s.authz == "" {
			s.authz, s.authzFor = "Bearer "+s.token, s.token
			if s.identity.Credential == "basic" {
				s.authz = "Basic " + base64.StdEncoding.EncodeToString([]byte(s.token))
			}
		}
		h["Authorization"] = []string{s.authz}
	default:
		s.auth.Authorize(h, s.token)
	}
	return h
}

// Session implements scenarios.SessionReporter.
func (s *Session) Session() scenarios.Session {
	if k := (sessionKey{s.token, s.logins, true}); s.reportedFor != k {
		s.reported = scenarios.Session{
			ID:       s.prefix + "/" + strconv.Itoa(s.logins),
			Identity: s.identity.Username,
			TokenID:  scenarios.TokenID(s.token),
		}
		s.reportedFor = k
	}
	return s.reported
}
