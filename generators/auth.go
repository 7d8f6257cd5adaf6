package generators

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// AuthFrom finds how to log in from the Surface's login operation: its path,
// its username and password fields, the token field of its answer, and
// where requests carry the token (tokenIn).
func AuthFrom(s scenarios.Surface) (scenarios.Auth, error) {
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleLogin) || op.Protocol != scenarios.REST {
			continue // a GraphQL login is GraphQLLoginFrom's
		}
		a := scenarios.Auth{Path: op.Path}
		for _, p := range op.Params {
			switch {
			case p.In != scenarios.InBody:
			case p.Role == scenarios.ParamUsername && a.UsernameField == "":
				a.UsernameField = p.Name
			case p.Role == scenarios.ParamPassword && a.PasswordField == "":
				a.PasswordField = p.Name
			}
		}
		for _, f := range []string{"token", "access_token", "accessToken", "jwt", "id_token"} {
			if slices.Contains(op.ResponseFields, f) {
				a.TokenField = f
				break
			}
		}
		for _, f := range []string{"user_id", "userId", "id"} {
			if slices.Contains(op.ResponseFields, f) {
				a.UserIDField = f
				break
			}
		}
		var errs []error
		if a.UsernameField == "" || a.PasswordField == "" {
			errs = append(errs, fmt.Errorf("login %s: request body has no username and password fields", op.Key()))
		}
		if a.TokenField == "" {
			errs = append(errs, fmt.Errorf("login %s: success response has no token field (token, access_token)", op.Key()))
		}
		if err := errors.Join(errs...); err != nil {
			return scenarios.Auth{}, err
		}
		a.TokenIn = tokenIn(s.AuthSchemes)
		return a, nil
	}
	return scenarios.Auth{}, errors.New("no login operation found: expected a POST taking username and password and answering a token")
}

// tokenIn says where the spec's security schemes carry a token: a bearer
// (or OAuth 2 / OpenID Connect) scheme wins, else the first API key or
// cookie scheme's header or cookie, else "bearer".
func tokenIn(schemes []scenarios.AuthScheme) string {
	in := ""
	for _, sc := range schemes {
		switch {
		case sc.Type == "bearer" || sc.Type == "oauth2" || sc.Type == "openIdConnect":
			return "bearer"
		case in != "" || sc.Param == "":
		case sc.Type == "apiKey" && sc.In == scenarios.InHeader && !strings.EqualFold(sc.Param, "Authorization"):
			in = "header:" + sc.Param
		case sc.Type == "cookie" || sc.Type == "apiKey" && sc.In == scenarios.InCookie:
			in = "cookie:" + sc.Param
		}
	}
	if in == "" {
		return "bearer"
	}
	return in
}

// StaticAuth is how a spec without a login takes credentials issued
// elsewhere: Credential is a plan pool's credential (api-key, bearer or
// basic), TokenIn where an API key travels (header:NAME or cookie:NAME),
// Scheme the security scheme it came from.
type StaticAuth struct {
	Credential, TokenIn string
	Scheme              scenarios.AuthScheme
}

// StaticAuthFrom picks the spec's scheme that takes static credentials: an
// API key in a header or cookie first (a key copied from a dashboard),
// else a bearer token (OAuth 2 and OpenID Connect tokens included), else
// HTTP basic auth. API keys in the query string are not supported.
func StaticAuthFrom(s scenarios.Surface) (StaticAuth, bool) {
	var bearer, basic *StaticAuth
	for _, sc := range s.AuthSchemes {
		switch {
		case sc.Type == "apiKey" && sc.In == scenarios.InHeader && sc.Param != "":
			// (A key in Authorization is sent raw, as the spec says.)
			return StaticAuth{Credential: "api-key", TokenIn: "header:" + sc.Param, Scheme: sc}, true
		case (sc.Type == "apiKey" || sc.Type == "cookie") && sc.In == scenarios.InCookie && sc.Param != "":
			return StaticAuth{Credential: "api-key", TokenIn: "cookie:" + sc.Param, Scheme: sc}, true
		case bearer == nil && (sc.Type == "bearer" || sc.Type == "oauth2" || sc.Type == "openIdConnect"):
			bearer = &StaticAuth{Credential: "bearer", Scheme: sc}
		case basic == nil && sc.Type == "basic":
			basic = &StaticAuth{Credential: "basic", Scheme: sc}
		}
	}
	switch {
	case bearer != nil:
		return *bearer, true
	case basic != nil:
		return *basic, true
	}
	return StaticAuth{}, false
}
