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
