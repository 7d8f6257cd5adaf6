package demoshop

import (
	"net/http"
	"strings"
	"sync"
)

// maxSignups bounds the accounts sign-up may create. The shop lets one
// client create as many as it likes, on purpose, but not so many that the
// harness's own memory is the victim.
const maxSignups = 100_000

// accountBook holds the accounts created through sign-up, beside the
// seeded users (which stay a read-only slice). Ids continue after the
// seeded ones, so signed-up accounts are enumerable like everyone else.
// A User in the book is never changed after it is added.
type accountBook struct {
	mu     sync.RWMutex
	byName map[string]*User
	byID   map[int64]*User
	next   int64
}

func newAccountBook(seeded int) *accountBook {
	return &accountBook{byName: map[string]*User{}, byID: map[int64]*User{}, next: int64(seeded) + 1}
}

// userByName finds a seeded or signed-up account by username.
func (s *Shop) userByName(name string) (*User, bool) {
	if u, ok := s.byUsername[name]; ok {
		return u, true
	}
	s.signups.mu.RLock()
	defer s.signups.mu.RUnlock()
	u, ok := s.signups.byName[name]
	return u, ok
}

// userByID finds a seeded or signed-up account by id.
func (s *Shop) userByID(id int64) (*User, bool) {
	if id >= 1 && id <= int64(len(s.users)) {
		return &s.users[id-1], true
	}
	s.signups.mu.RLock()
	defer s.signups.mu.RUnlock()
	u, ok := s.signups.byID[id]
	return u, ok
}

// SignedUp returns how many accounts sign-up has created: the leak of an
// account-creation scenario, counted by the target itself.
func (s *Shop) SignedUp() int {
	s.signups.mu.RLock()
	defer s.signups.mu.RUnlock()
	return len(s.signups.byID)
}

type signupRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

type signupResponse struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
}

// signup creates an account that can log in at once. It has no captcha, no
// e-mail verification, no rate limit and no limit per address or device,
// on purpose: it is the target of mass account creation (OAT-019). It
// checks only the shape of the fields and that the username is free.
func (s *Shop) signup(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if msg := req.invalid(); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if req.Name == "" {
		req.Name = req.Username
	}
	if _, taken := s.byUsername[req.Username]; taken {
		writeError(w, http.StatusConflict, "username is taken")
		return
	}
	b := s.signups
	b.mu.Lock()
	if _, taken := b.byName[req.Username]; taken {
		b.mu.Unlock()
		writeError(w, http.StatusConflict, "username is taken")
		return
	}
	if len(b.byID) >= maxSignups {
		b.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "sign-up is closed: too many accounts")
		return
	}
	u := &User{ID: b.next, Name: req.Name, Email: req.Email, Username: req.Username, Password: req.Password}
	b.next++
	b.byName[u.Username], b.byID[u.ID] = u, u
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, signupResponse{UserID: u.ID, Username: u.Username})
}

// invalid says what is wrong with a sign-up, "" when nothing is.
func (req signupRequest) invalid() string {
	switch {
	case len(req.Username) < 3 || len(req.Username) > 64 || strings.ContainsFunc(req.Username, badUsernameRune):
		return "username must be 3 to 64 letters, digits, '.', '_' or '-'"
	case len(req.Email) > 254 || !strings.Contains(req.Email, "@") || strings.ContainsAny(req.Email, " \t\r\n"):
		return "email must be an address"
	case len(req.Password) < 8 || len(req.Password) > 128:
		return "password must be 8 to 128 characters"
	case len(req.Name) > 128:
		return "name must be at most 128 characters"
	}
	return ""
}

func badUsernameRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
}
