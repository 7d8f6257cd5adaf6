package generators

import "github.com/abusegate/abusegate/scenarios"

// MaxLogins bounds how often a program logs in again after being denied:
// a real attacker tries a fresh token before giving up on an identity.
const MaxLogins = 3

// Drive handles the login part of a program's state machine given the
// previous result. It returns the login request and login=true when the
// program must log in (first call, failed login, denied request with
// logins left); stop=true when the identity is burnt (its login keeps
// failing or is denied); neither when the program may carry on with its
// abuse. A guard that blocked only the token is caught out here: the
// program comes back with a fresh one.
func (s *Session) Drive(prev *scenarios.Result) (req scenarios.Request, login, stop bool) {
	switch {
	case s.Static():
		// A static credential cannot be renewed: the program carries on.
		return scenarios.Request{}, false, false
	case prev == nil:
		return s.LoginRequest(), true, false
	case s.IsLogin(prev.Request):
		if s.Accept(prev) {
			return scenarios.Request{}, false, false
		}
		if s.logins < MaxLogins && !scenarios.DeniedStatus(prev.Status) && prev.Status != 0 {
			return s.LoginRequest(), true, false
		}
		return scenarios.Request{}, false, true
	case scenarios.DeniedStatus(prev.Status) && s.logins < MaxLogins:
		return s.LoginRequest(), true, false
	}
	return scenarios.Request{}, false, false
}

// Token returns the session's bearer token, for programs that hand it to
// others (a stolen token replayed from many devices).
func (s *Session) Token() string { return s.token }

// UseToken makes the session carry a token it did not log in for.
func (s *Session) UseToken(token string) { s.token = token }
