package demoshop

import (
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// TokenTTL is the lifetime, in seconds, that POST /login advertises in
// expires_in. The shop reads no clock, so it does not expire tokens: a
// stolen token stays good for the whole run, as in many real stagings.
const TokenTTL = 3600

// Account is an identity the harness can log in as: the user's id (its own
// object, so reading any other id is a foreign read) and its credentials.
type Account struct {
	ID       int64
	Username string
	Password string
}

// Accounts returns every account with its password, in id order, so the
// harness can pick benign and attacking identities and seed credential
// lists with valid pairs. The slice is a copy.
func (s *Shop) Accounts() []Account {
	out := make([]Account, len(s.users))
	for i, u := range s.users {
		out[i] = Account{ID: u.ID, Username: u.Username, Password: u.Password}
	}
	return out
}

// tokenIssuer mints bearer tokens from a seeded stream, so the n-th token a
// shop issues is the same for a given seed, and resolves them to users.
type tokenIssuer struct {
	mu     sync.Mutex
	rng    *rand.Rand
	owners map[string]int64 // token -> user id
}

func newTokenIssuer(seed int64) *tokenIssuer {
	return &tokenIssuer{
		rng:    rand.New(rand.NewPCG(uint64(seed), tokenStream)),
		owners: make(map[string]int64),
	}
}

// issue returns a new 32-hex-digit token for the user.
func (t *tokenIssuer) issue(userID int64) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], t.rng.Uint64())
		binary.BigEndian.PutUint64(b[8:], t.rng.Uint64())
		tok := hex.EncodeToString(b[:])
		if _, dup := t.owners[tok]; !dup {
			t.owners[tok] = userID
			return tok
		}
	}
}

func (t *tokenIssuer) owner(token string) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.owners[token]
	return id, ok
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string `json:"token"`
	UserID    int64  `json:"user_id"`
	ExpiresIn int    `json:"expires_in"`
}

// login has no throttling, lockout or captcha on purpose: it is the target
// of credential stuffing.
func (s *Shop) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "username and password are required")
		return
	}
	u, ok := s.userByName(req.Username)
	if !ok || subtle.ConstantTimeCompare([]byte(u.Password), []byte(req.Password)) != 1 {
		writeError(w, http.StatusUnauthorized, "invalid credentials")
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: s.tokens.issue(u.ID), UserID: u.ID, ExpiresIn: TokenTTL})
}

// authed wraps a handler that needs the caller's user, answering 401 for a
// missing or unknown bearer token.
func (s *Shop) authed(h func(http.ResponseWriter, *http.Request, *User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="demoshop"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		id, ok := s.tokens.owner(token)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="demoshop", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid token")
			return
		}
		u, _ := s.userByID(id) // tokens are only issued to accounts
		h(w, r, u)
	}
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
