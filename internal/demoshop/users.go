package demoshop

import (
	"net/http"
	"strconv"
)

// User is a shop customer. Its profile (everything but the password) is what
// a BOLA scenario leaks.
type User struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Address  string `json:"address"`
	Username string `json:"username"`
	Password string `json:"-"`
}

// getMe returns the caller's own profile: the legitimate way to read it.
func (s *Shop) getMe(w http.ResponseWriter, _ *http.Request, me *User) {
	writeJSON(w, http.StatusOK, me)
}

// getUser returns any user's profile to any authenticated caller. It checks
// that the caller is logged in but never that the id is the caller's own:
// this is the broken object-level authorization (BOLA) flaw, on purpose.
func (s *Shop) getUser(w http.ResponseWriter, r *http.Request, _ *User) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, ok := s.userByID(id)
	if !ok {
		writeError(w, http.StatusNotFound, "user not found")
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// pathID parses the {id} path value, answering 400 itself when it is not an
// integer.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id must be an integer")
		return 0, false
	}
	return id, true
}
