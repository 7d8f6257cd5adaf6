package responder

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/abusegate/abusegate/scenarios"
)

// account is one user the responder knows.
type account struct {
	id        int64
	username  string
	passwords []string
}

// cart is what an account holds unpaid and the discounts it was granted.
type cart struct {
	units    int64
	subtotal int64 // cents
	discount int64 // cents
}

// state is the responder's memory: accounts, issued tokens and carts.
// Every map is bounded; past a bound the responder still answers, it just
// remembers no more.
type state struct {
	mu       sync.Mutex
	seed     uint64
	accounts map[string]*account
	nextID   int64
	tokens   map[string]string // token -> username
	issued   uint64
	carts    map[string]*cart // by username ("" for anonymous callers)
	limit    int
}

func newState(seed uint64, ids []scenarios.Identity, limit int) *state {
	st := &state{seed: seed, accounts: map[string]*account{}, tokens: map[string]string{}, carts: map[string]*cart{}, limit: limit}
	for _, id := range ids {
		a := st.accounts[id.Username]
		if a == nil {
			st.nextID++
			a = &account{id: st.nextID, username: id.Username}
			if n, err := strconv.ParseInt(id.UserID, 10, 64); err == nil {
				a.id = n
			}
			st.accounts[id.Username] = a
		}
		a.passwords = append(a.passwords, id.Password)
	}
	return st
}

// login checks a username and password and issues a token.
func (st *state) login(username, password string) (token string, id int64, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	a := st.accounts[username]
	if a == nil || username == "" {
		return "", 0, false
	}
	for _, p := range a.passwords {
		if p == password {
			st.issued++
			r := newRNG(st.seed, "token", username, strconv.FormatUint(st.issued, 10))
			token = fmt.Sprintf("sim.%016x%016x", r.next(), r.next())
			if len(st.tokens) < st.limit {
				st.tokens[token] = username
			}
			return token, a.id, true
		}
	}
	return "", 0, false
}

// signup creates an account known by each of names; ok is false when
// one is taken. An anonymous sign-up (no name read) is served and not
// remembered.
func (st *state) signup(names []string, password string) (id int64, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, n := range names {
		if _, taken := st.accounts[n]; taken {
			return 0, false
		}
	}
	st.nextID++
	for _, n := range names {
		if len(st.accounts) < st.limit {
			st.accounts[n] = &account{id: st.nextID, username: n, passwords: []string{password}}
		}
	}
	return st.nextID, true
}

// holder returns the username a token belongs to; known is false for a
// token the responder never issued.
func (st *state) holder(token string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	u, ok := st.tokens[token]
	return u, ok
}

// withCart runs f on the cart of user.
func (st *state) withCart(user string, f func(*cart)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.carts[user]
	if c == nil {
		c = &cart{}
		if len(st.carts) < st.limit {
			st.carts[user] = c
		}
	}
	f(c)
}
