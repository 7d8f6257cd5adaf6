package responder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// gqlRequest is a GraphQL request body.
type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// gqlError is one entry of a GraphQL answer's errors.
type gqlError struct {
	Message    string            `json:"message"`
	Path       []string          `json:"path,omitempty"`
	Extensions map[string]string `json:"extensions,omitempty"`
}

// gqlCodes name HTTP statuses as GraphQL error codes.
var gqlCodes = map[int]string{
	http.StatusUnauthorized: "UNAUTHENTICATED", http.StatusNotFound: "NOT_FOUND",
	http.StatusBadRequest: "BAD_USER_INPUT", http.StatusConflict: "CONFLICT",
}

// isGraphQL reports whether path is an endpoint the Surface's GraphQL
// operations are served on.
func (rs *Responder) isGraphQL(path string) bool {
	_, ok := rs.gqlEndpoints[path]
	return ok
}

// serveGraphQL answers a GraphQL document: each field of its operation is
// answered as the REST operations are (logins, sign-ups, carts, coupons,
// checkouts, paged lists, object reads echoing an id argument) and
// projected onto its selection set. A document whose every field is
// refused with one status gets that status; otherwise 200 with errors.
func (rs *Responder) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	var reqs []gqlRequest
	batch := false
	switch r.Method {
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
		if err == nil && len(bytes.TrimSpace(data)) > 0 && bytes.TrimSpace(data)[0] == '[' {
			batch = true
			err = json.Unmarshal(data, &reqs)
		} else if err == nil {
			reqs = make([]gqlRequest, 1)
			err = json.Unmarshal(data, &reqs[0])
		}
		if err != nil || len(reqs) == 0 || len(reqs) > maxBatch {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{{Message: "the body is not a GraphQL request (or a batch of at most 1,000)"}}})
			return
		}
	case http.MethodGet:
		reqs = make([]gqlRequest, 1)
		reqs[0].Query, reqs[0].OperationName = r.URL.Query().Get("query"), r.URL.Query().Get("operationName")
		_ = json.Unmarshal([]byte(r.URL.Query().Get("variables")), &reqs[0].Variables) // absent: none
	default:
		writeJSON(w, http.StatusMethodNotAllowed, errBody("GraphQL is served on GET and POST"))
		return
	}
	user, authed := rs.caller(r)
	answers := make([]any, len(reqs))
	status := http.StatusOK
	for i, req := range reqs {
		var st int
		answers[i], st = rs.gqlDocument(req, user, authed)
		if i == 0 {
			status = st
		}
	}
	if batch {
		writeJSON(w, http.StatusOK, answers)
		return
	}
	writeJSON(w, status, answers[0])
}

// maxBatch bounds the operations of one batched request; maxDocNodes
// the JSON values of one document's answer together (aliases repeat a
// list): as many as one REST body's, so that 10 aliases of first: 5000
// selecting { id } get 25,000 items (the first five whole), past any
// documented cap but bounded.
const (
	maxBatch    = 1000
	maxDocNodes = maxNodes
)

// gqlDocument answers one document. The status is 401 when every field
// needed credentials the caller lacks, 400 for a document that does not
// parse, else 200: a wrong login is a null field, as servers answer.
func (rs *Responder) gqlDocument(req gqlRequest, user string, authed bool) (any, int) {
	op, err := parseGraphQL(req.Query, req.OperationName, req.Variables)
	if err != nil {
		return map[string]any{"errors": []gqlError{{Message: "syntax: " + err.Error()}}}, http.StatusBadRequest
	}
	data := map[string]any{}
	var errs []gqlError
	refused := 0
	budget := maxDocNodes
	for _, f := range op.fields {
		if f.name == "__typename" {
			data[f.alias] = map[bool]string{false: "Query", true: "Mutation"}[op.mutation]
			continue
		}
		v, status, msg := rs.gqlField(f, op.mutation, user, authed, &budget)
		switch {
		case status == http.StatusUnauthorized && msg == msgCredentials:
			refused++
			fallthrough
		case status >= 400 && !(status == http.StatusUnauthorized && msg == msgWrongLogin):
			errs = append(errs, gqlError{Message: msg, Path: []string{f.alias}, Extensions: map[string]string{"code": gqlCodes[status]}})
		}
		data[f.alias] = v
	}
	body := map[string]any{"data": data}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	if refused > 0 && refused == len(op.fields) {
		return body, http.StatusUnauthorized
	}
	return body, http.StatusOK
}

// gqlField answers one top-level field.
func (rs *Responder) gqlField(f gqlField, mutation bool, user string, authed bool, budget *int) (any, int, string) {
	method := "QUERY"
	if mutation {
		method = "MUTATION"
	}
	op, ok := rs.gqlOps[method+" "+f.name]
	if !ok {
		return nil, http.StatusBadRequest, fmt.Sprintf("no field %q on the %s type", f.name, method)
	}
	if op.Auth && !authed {
		return nil, http.StatusUnauthorized, msgCredentials
	}
	c := &call{op: op, in: input{fields: flatten(f.args)}, user: user}
	b := &gqlBuild{rs: rs, left: budget}
	sh := successShape(op)
	parts := []string{op.Key()}
	if lists, ok := listOf(sh); ok && !mutation && !stateful(op) && (op.Has(scenarios.RoleCollection) || lists[0].field == "" || isConnection(sh)) {
		start, end := rs.window(op, c.in)
		if lists[0].field == "" {
			return b.records(sh.Items, f.sel, parts, start, end, 0), c.status, ""
		}
		return b.page(sh, f.sel, parts, start, end, 0), c.status, ""
	}
	if !rs.flow(c) {
		id, hasID := rs.objectID(c)
		if hasID && !rs.exists(id) {
			return nil, http.StatusNotFound, "no such record"
		}
		v := b.value(sh, gqlField{name: f.name, sel: f.sel}, append(parts, id), 0)
		if obj, ok := v.(map[string]any); ok && hasID {
			idp, _ := op.ObjectID()
			for _, g := range f.sel {
				if g.name == "id" || g.name == idp.Name {
					gsh, _ := sh.Property(g.name)
					obj[g.alias] = typed(gsh, id)
				}
			}
		}
		return v, c.status, ""
	}
	if c.status >= 400 {
		return nil, c.status, fmt.Sprint(c.body)
	}
	return b.project(c.body, f.sel, sh, parts, 0), c.status, ""
}

// stateful reports whether op plays a role of the responder's state.
func stateful(op *scenarios.Operation) bool {
	for _, r := range []scenarios.Role{scenarios.RoleLogin, scenarios.RoleSignup, scenarios.RoleCoupon, scenarios.RoleCart, scenarios.RoleCheckout} {
		if op.Has(r) {
			return true
		}
	}
	return false
}

// flatten lifts an input object's fields beside the arguments, so that
// login(input: {username, password}) reads like login(username,
// password); an argument wins over an input field of the same name.
func flatten(args map[string]any) map[string]any {
	out := map[string]any{}
	for _, v := range args {
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				out[k] = x
			}
		}
	}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// gqlIndex lists the Surface's GraphQL operations by key and endpoint.
func (rs *Responder) gqlIndex() {
	rs.gqlOps = map[string]*scenarios.Operation{}
	rs.gqlEndpoints = map[string]struct{}{}
	for i := range rs.surface.Operations {
		op := &rs.surface.Operations[i]
		if op.Protocol != scenarios.GraphQL {
			continue
		}
		rs.gqlOps[op.Key()] = op
		ep := op.Endpoint
		if ep == "" {
			ep = "/graphql"
		}
		rs.gqlEndpoints[ep] = struct{}{}
	}
}

// argID is a GraphQL field's object id argument, if it has one.
func argID(c *call) (string, bool) {
	p, ok := c.op.ObjectID()
	if !ok {
		return "", false
	}
	switch v := c.in.fields[p.Name].(type) {
	case string:
		return v, v != ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}
