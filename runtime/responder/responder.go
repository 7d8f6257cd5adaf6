package responder

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// Options configure a Responder.
type Options struct {
	// Seed makes every synthesized body and token reproducible.
	Seed uint64
	// Accounts are the users that can log in. Several entries with one
	// username give that account several passwords that open it.
	Accounts []scenarios.Identity
	// Records is how many objects each collection holds and which integer
	// ids exist (1..Records); default 10,000.
	Records int
	// DefaultPage is a page's size when the request names none (default
	// 20); MaxPage bounds what one page returns whatever it asks for
	// (default 5,000, and at most 50,000 JSON values of items): above
	// most documented maxima and the guard's default cap of 1,000, which
	// the responder does not enforce, but bounded.
	DefaultPage, MaxPage int
	// MaxBody bounds a list answer's encoded bytes (default 1,000,000):
	// a page stops at the last record that fits, so that a client reading
	// at most runtime/vu's default 1 MiB of an answer reads a whole
	// oversized page and counts its records.
	MaxBody int
	// Remember bounds each of the responder's memories (accounts, tokens,
	// carts); default 100,000.
	Remember int
}

// Responder answers the operations of a Surface. It is safe for
// concurrent use.
type Responder struct {
	o       Options
	surface scenarios.Surface
	routes  *router
	st      *state
	// login is true when the Surface has a login a client posts
	// credentials to (a password): then only the tokens it issued
	// authenticate, else (API keys, basic auth, a GET login no plan can
	// use, a "login" taking no password) any credential where the spec's
	// schemes put it does.
	login   bool
	schemes []scenarios.AuthScheme
	// gqlOps are the GraphQL operations by key ("QUERY user"), served on
	// gqlEndpoints.
	gqlOps       map[string]*scenarios.Operation
	gqlEndpoints map[string]struct{}
	// reads are the REST object reads by their collection's path.
	reads map[string]*scenarios.Operation
}

// New returns a Responder for s, the operations' Replies as the spec
// adapters filled them.
func New(s scenarios.Surface, o Options) *Responder {
	if o.Records <= 0 {
		o.Records = 10_000
	}
	if o.DefaultPage <= 0 {
		o.DefaultPage = 20
	}
	if o.MaxPage <= 0 {
		o.MaxPage = 5000
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1_000_000
	}
	if o.Remember <= 0 {
		o.Remember = 100_000
	}
	s.Operations = slices.Clone(s.Operations)
	r := &Responder{o: o, surface: s, schemes: s.AuthSchemes, st: newState(o.Seed, o.Accounts, o.Remember)}
	r.routes = newRouter(&r.surface)
	r.reads = readsOf(&r.surface)
	r.gqlIndex()
	for i := range r.surface.Operations {
		op := &r.surface.Operations[i]
		switch {
		case !op.Has(scenarios.RoleLogin):
		case op.Protocol == scenarios.REST && op.Method == http.MethodPost && takesPassword(op), op.Protocol == scenarios.GraphQL && op.Method == "MUTATION":
			r.login = true
		}
	}
	return r
}

// takesPassword reports whether a REST login's body has a password: a
// login a client posts credentials to. Stripe's POST
// /v1/accounts/{account}/login_links reads as a login but takes none; its
// API takes keys issued elsewhere, and so must the responder.
func takesPassword(op *scenarios.Operation) bool {
	for _, p := range op.Params {
		if p.In == scenarios.InBody && p.Role == scenarios.ParamPassword {
			return true
		}
	}
	return false
}

// Messages the GraphQL answers tell apart: a caller without credentials
// is refused, a wrong login is a null field.
const (
	msgCredentials = "credentials required"
	msgWrongLogin  = "wrong username or password"
)

// call is one request being answered.
type call struct {
	op     *scenarios.Operation
	path   map[string]string
	in     input
	user   string // the caller's account, "" when anonymous
	rng    *rng
	status int
	body   any
}

// ServeHTTP answers r as the operation its path and method match.
func (rs *Responder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, params, allowed := rs.routes.match(r.Method, r.URL.Path)
	switch {
	case op == nil && rs.isGraphQL(r.URL.Path):
		rs.serveGraphQL(w, r)
		return
	case op == nil && allowed:
		writeJSON(w, http.StatusMethodNotAllowed, errBody("method %s not allowed on %s", r.Method, r.URL.Path))
		return
	case op == nil:
		writeJSON(w, http.StatusNotFound, errBody("no operation of the spec matches %s %s", r.Method, r.URL.Path))
		return
	}
	c := &call{op: op, path: params, in: readInput(r)}
	user, authed := rs.caller(r)
	c.user = user
	if op.Auth && !authed {
		rs.fail(w, c, http.StatusUnauthorized, msgCredentials)
		return
	}
	rs.answer(c)
	if c.status >= 400 {
		rs.fail(w, c, c.status, fmt.Sprint(c.body))
		return
	}
	if c.status == http.StatusNoContent {
		w.WriteHeader(c.status)
		return
	}
	writeJSON(w, c.status, c.body)
}

// caller finds who is calling: the account behind an issued token, or
// (when the spec has no login to issue one) anyone presenting a
// credential where the spec's schemes put it.
func (rs *Responder) caller(r *http.Request) (user string, authed bool) {
	var creds []string
	if a := r.Header.Get("Authorization"); a != "" {
		_, tok, found := strings.Cut(a, " ")
		if !found {
			tok = a
		}
		creds = append(creds, tok)
	}
	for _, s := range rs.schemes {
		if s.Param == "" {
			continue
		}
		switch s.In {
		case scenarios.InHeader:
			creds = append(creds, r.Header.Get(s.Param))
		case scenarios.InQuery:
			creds = append(creds, r.URL.Query().Get(s.Param))
		case scenarios.InCookie:
			if ck, err := r.Cookie(s.Param); err == nil {
				creds = append(creds, ck.Value)
			}
		}
	}
	for _, ck := range r.Cookies() {
		if strings.HasPrefix(ck.Value, "sim.") {
			creds = append(creds, ck.Value)
		}
	}
	for _, tok := range creds {
		if tok == "" {
			continue
		}
		if u, ok := rs.st.holder(tok); ok {
			return u, true
		}
		if !rs.login {
			return "", true
		}
	}
	return "", false
}

// answer decides the status and body of a served call.
func (rs *Responder) answer(c *call) {
	if rs.flow(c) {
		return
	}
	if rs.collection(c) {
		return
	}
	id, hasID := rs.objectID(c)
	if hasID && !rs.exists(id) {
		c.status, c.body = http.StatusNotFound, "no such record"
		return
	}
	c.rng = newRNG(rs.o.Seed, c.op.Key(), id)
	c.body = rs.successBody(c)
	if hasID {
		echo(c.body, successShape(c.op), c.op, id)
	}
}

// flow answers c when its operation plays a role of the responder's
// state (login, sign-up, coupon, cart, checkout), and reports whether
// it did; c.status is the documented success either way.
func (rs *Responder) flow(c *call) bool {
	c.status = successStatus(c.op)
	switch {
	case c.op.Has(scenarios.RoleLogin):
		rs.loginCall(c)
	case c.op.Has(scenarios.RoleSignup) && c.op.Method == http.MethodPost:
		rs.signupCall(c)
	case c.op.Has(scenarios.RoleCoupon) && c.op.Method != http.MethodGet:
		rs.couponCall(c)
	case c.op.Has(scenarios.RoleCart) && c.op.Method != http.MethodGet:
		rs.cartCall(c)
	case c.op.Has(scenarios.RoleCheckout) && c.op.Method != http.MethodGet:
		rs.checkoutCall(c)
	default:
		return false
	}
	return true
}

// objectID is the path's object id: the parameter the adapter marked as
// one, else the last path parameter.
func (rs *Responder) objectID(c *call) (string, bool) {
	if c.op.Protocol == scenarios.GraphQL {
		return argID(c)
	}
	if p, ok := c.op.ObjectID(); ok && p.In == scenarios.InPath {
		if v, ok := c.path[p.Name]; ok {
			return v, true
		}
	}
	last := ""
	for _, p := range c.op.Params {
		if p.In == scenarios.InPath {
			last = p.Name
		}
	}
	v, ok := c.path[last]
	return v, ok && last != ""
}

// exists: integer ids 1..Records exist; every other id does.
func (rs *Responder) exists(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err != nil || n >= 1 && n <= int64(rs.o.Records)
}

// successStatus is the code of the documented success, 200 when it is a
// range, "default" or undocumented.
func successStatus(op *scenarios.Operation) int {
	if op.Replies != nil {
		if n, err := strconv.Atoi(op.Replies.Success); err == nil && n >= 200 && n < 300 {
			return n
		}
	}
	return http.StatusOK
}

func successShape(op *scenarios.Operation) *scenarios.Shape {
	if a, ok := op.Replies.Answer(successCode(op.Replies)); ok {
		return a.Shape
	}
	return nil
}

// successBody is the documented success's example, else a body
// synthesized from its shape; an empty object when the spec gives
// neither.
func (rs *Responder) successBody(c *call) any {
	a, ok := c.op.Replies.Answer(successCode(c.op.Replies))
	if !ok {
		return map[string]any{}
	}
	if a.Example != nil {
		if v, ok := decode(a.Example); ok {
			return v
		}
	}
	if a.Shape == nil {
		return map[string]any{}
	}
	return newSynth(c.rng).value(a.Shape, "", 0)
}

// echo writes the path's id into an object body's id field and the field
// named as the path parameter: GET /users/42 answers user 42.
func echo(body any, sh *scenarios.Shape, op *scenarios.Operation, id string) {
	obj, ok := body.(map[string]any)
	if !ok {
		return
	}
	names := []string{"id"}
	if p, ok := op.ObjectID(); ok {
		names = append(names, p.Name)
		for _, prop := range propertiesOf(sh) {
			if prop.Name != p.Name && strings.EqualFold(prop.Name, p.Name) {
				names = append(names, prop.Name) // {Sid} is the body's "sid"
			}
		}
	}
	for _, n := range names {
		field, known := sh.Property(n)
		if _, present := obj[n]; known || present || n == "id" && (sh == nil || len(sh.Properties) == 0) {
			obj[n] = typed(field, id)
		}
	}
}

func propertiesOf(sh *scenarios.Shape) []scenarios.Property {
	if sh == nil {
		return nil
	}
	return sh.Properties
}

// fail writes an error answer: the documented one for the code, else a
// small JSON error.
func (rs *Responder) fail(w http.ResponseWriter, c *call, status int, msg string) {
	code := strconv.Itoa(status)
	for _, try := range []string{code, code[:1] + "XX", code[:1] + "xx"} {
		if a, ok := c.op.Replies.Answer(try); ok && a.Shape != nil && strings.Contains(a.ContentType, "json") {
			writeJSON(w, status, newSynth(newRNG(rs.o.Seed, c.op.Key(), code)).value(a.Shape, "", 0))
			return
		}
	}
	writeJSON(w, status, errBody("%s", msg))
}

func errBody(format string, args ...any) map[string]any {
	return map[string]any{"error": fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"unencodable body"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func successCode(r *scenarios.Replies) string {
	if r == nil {
		return ""
	}
	return r.Success
}
