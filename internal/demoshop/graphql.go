package demoshop

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	graphql "github.com/graph-gophers/graphql-go"
)

//go:embed schema.graphql
var graphqlSchema []byte

// GraphQLSchema returns the SDL the shop serves on POST /graphql, the input
// abusegate's GraphQL adapter reads as a user would feed it their own
// schema. Like Spec, it documents the surface (ids, the unbounded limit,
// the login mutation) but not the flaws. The slice is a copy.
func GraphQLSchema() []byte { return slices.Clone(graphqlSchema) }

// maxBatch bounds how many operations one batched request may carry. It is
// far above what a client needs, on purpose: batching, like aliases, lets
// one HTTP request carry many login attempts past per-request rate limits.
const maxBatch = 1000

// graphqlRequest is one operation of a POST /graphql body.
type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// graphqlHandler serves the shop's GraphQL API with graph-gophers/graphql-go
// (schema first, resolvers as methods). The resolvers call the REST
// handlers in-process, so both APIs share one implementation of each flaw:
//   - user(id) returns any user's profile to any valid token (BOLA);
//   - products(limit) has no maximum;
//   - login has no lockout, and a request may hold many aliased login
//     fields, or be a JSON array of operations, so one HTTP request
//     carries many password guesses;
//   - applyCoupon stacks codes and races exactly as POST /cart/coupons.
func (s *Shop) graphqlHandler() http.Handler {
	schema := graphql.MustParseSchema(string(graphqlSchema), &gqlRoot{shop: s},
		graphql.UseFieldResolvers(), graphql.MaxQueryLength(maxBody))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ctx := context.WithValue(r.Context(), callerKey{}, s.caller(r))
		ctx = context.WithValue(ctx, requestKey{}, r)
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
			var batch []graphqlRequest
			if err := json.Unmarshal(body, &batch); err != nil || len(batch) == 0 || len(batch) > maxBatch {
				writeError(w, http.StatusBadRequest, "a batch is a JSON array of 1 to 1000 {query, variables} objects")
				return
			}
			out := make([]*graphql.Response, len(batch))
			for i, q := range batch {
				out[i] = schema.Exec(ctx, q.Query, q.OperationName, q.Variables)
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		var q graphqlRequest
		if err := json.Unmarshal(body, &q); err != nil || q.Query == "" {
			writeError(w, http.StatusBadRequest, "the body must be a JSON object with a query")
			return
		}
		writeJSON(w, http.StatusOK, schema.Exec(ctx, q.Query, q.OperationName, q.Variables))
	})
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, errors.New("request body too large")
		}
		return nil, errors.New("unreadable request body")
	}
	return buf.Bytes(), nil
}

type callerKey struct{}

type requestKey struct{}

// caller is who a GraphQL request authenticates as: a user, or why not.
type caller struct {
	user *User
	err  *gqlError
}

func (s *Shop) caller(r *http.Request) caller {
	token, ok := bearer(r)
	if !ok {
		return caller{err: &gqlError{msg: "missing bearer token", status: http.StatusUnauthorized}}
	}
	id, ok := s.tokens.owner(token)
	if !ok {
		return caller{err: &gqlError{msg: "invalid token", status: http.StatusUnauthorized}}
	}
	u, _ := s.userByID(id) // tokens are only issued to accounts
	return caller{user: u}
}

// me returns the authenticated user or the error a protected field gives.
func me(ctx context.Context) (*User, error) {
	c, _ := ctx.Value(callerKey{}).(caller)
	if c.user == nil {
		if c.err == nil {
			return nil, &gqlError{msg: "missing bearer token", status: http.StatusUnauthorized}
		}
		return nil, c.err
	}
	return c.user, nil
}

// gqlError is a REST answer turned into a GraphQL error; its extensions
// carry the HTTP status the REST API would have sent, so clients (and
// abusegate's oracle) can tell a wrong password from a missing product.
type gqlError struct {
	msg    string
	status int
}

func (e *gqlError) Error() string { return e.msg }

// Extensions implements graph-gophers' extended error interface.
func (e *gqlError) Extensions() map[string]any {
	code := map[int]string{
		http.StatusUnauthorized: "UNAUTHENTICATED", http.StatusNotFound: "NOT_FOUND",
		http.StatusConflict: "CONFLICT", http.StatusBadRequest: "BAD_USER_INPUT",
	}[e.status]
	return map[string]any{"code": code, "status": e.status}
}

// recorder is the http.ResponseWriter resolvers hand to REST handlers.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// invoke runs a REST handler in-process with a JSON body (nil for none)
// and decodes its success answer into out. The GraphQL request's context
// is kept, so a client that goes away cancels the coupon validation as it
// would over REST.
func invoke(ctx context.Context, h http.HandlerFunc, target string, body any, pathValues map[string]string, out any) error {
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			return err
		}
	}
	parent, _ := ctx.Value(requestKey{}).(*http.Request)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &rd)
	if err != nil {
		return err
	}
	if parent != nil {
		req.RemoteAddr = parent.RemoteAddr
	}
	for k, v := range pathValues {
		req.SetPathValue(k, v)
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h(rec, req)
	if rec.status != http.StatusOK {
		var e errorBody
		_ = json.Unmarshal(rec.body.Bytes(), &e) // the message is best effort
		return &gqlError{msg: e.Error, status: rec.status}
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

// withUser adapts an authenticated REST handler for invoke.
func withUser(h func(http.ResponseWriter, *http.Request, *User), u *User) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h(w, r, u) }
}
