package vu

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/abusegate/abusegate/scenarios"
)

// CredKind is what a pool's credentials are.
type CredKind int

// Credential kinds.
const (
	// Password credentials are username,password pairs a Program logs in
	// with: requests name them as {{username}} and {{password}}.
	Password CredKind = iota + 1
	// APIKey credentials are sent in the pool's Header (X-API-Key by
	// default) and are also {{api_key}}.
	APIKey
	// Bearer credentials are sent as "Authorization: Bearer <token>" and
	// are also {{token}}.
	Bearer
)

var credKindNames = [...]string{Password: "password", APIKey: "api-key", Bearer: "bearer"}

func (k CredKind) String() string {
	if k > 0 && int(k) < len(credKindNames) {
		return credKindNames[k]
	}
	return fmt.Sprintf("CredKind(%d)", int(k))
}

// Credential is one identity of a pool. Its secrets never reach a timeline
// or a log: Name is what reports show.
type Credential struct {
	Kind     CredKind
	Username string
	Password string
	APIKey   string
	Token    string
	// Source is where it was read, "file:line".
	Source string
}

// Name identifies the credential without revealing a secret: the username,
// or a hash of a key or token (scenarios.TokenID).
func (c Credential) Name() string {
	switch c.Kind {
	case APIKey:
		return "key-" + strings.TrimPrefix(scenarios.TokenID(c.APIKey), "tok-")
	case Bearer:
		return scenarios.TokenID(c.Token)
	}
	return c.Username
}

// Identity is the credential as a scenarios.Identity, for Programs that log
// in themselves.
func (c Credential) Identity() scenarios.Identity {
	return scenarios.Identity{Username: c.Username, Password: c.Password}
}

// Pool is a list of credentials VUs act as.
type Pool struct {
	Kind  CredKind
	Creds []Credential
	// Header carries API keys; empty means X-API-Key.
	Header string
	next   atomic.Int64
}

// LoadPool reads a CSV pool of kind from path: "username,password" rows,
// or one API key or bearer token per row. A first row naming the columns
// (username,password / api_key / token) is skipped; blank lines and lines
// starting with # are ignored.
func LoadPool(path string, kind CredKind) (*Pool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	defer f.Close()
	return ParsePool(path, f, kind)
}

// ParsePool is LoadPool over a reader; name is used in errors.
func ParsePool(name string, r io.Reader, kind CredKind) (*Pool, error) {
	want := map[CredKind]int{Password: 2, APIKey: 1, Bearer: 1}[kind]
	if want == 0 {
		return nil, fmt.Errorf("identities: %s: unknown credential kind %v", name, kind)
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	p := &Pool{Kind: kind}
	var errs []error
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, fmt.Errorf("%s:%d:%d: %w; quote fields that contain commas or quotes", name, pe.Line, pe.Column, pe.Err))
				if len(errs) > 20 {
					break
				}
				continue
			}
			return nil, fmt.Errorf("identities: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first && isHeader(rec) {
			continue
		}
		at := fmt.Sprintf("%s:%d", name, line)
		if len(rec) != want {
			errs = append(errs, fmt.Errorf("%s: %d fields, want %d (%s)", at, len(rec), want, columns(kind)))
			continue
		}
		c := Credential{Kind: kind, Source: at}
		switch kind {
		case Password:
			c.Username, c.Password = strings.TrimSpace(rec[0]), rec[1]
		case APIKey:
			c.APIKey = strings.TrimSpace(rec[0])
		case Bearer:
			c.Token = strings.TrimPrefix(strings.TrimSpace(rec[0]), "Bearer ")
		}
		if strings.TrimSpace(rec[0]) == "" {
			errs = append(errs, fmt.Errorf("%s: empty %s", at, strings.Split(columns(kind), ",")[0]))
			continue
		}
		p.Creds = append(p.Creds, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	if len(p.Creds) == 0 {
		return nil, fmt.Errorf("identities: %s: no credentials; want one %s per line", name, columns(kind))
	}
	return p, nil
}

func columns(k CredKind) string {
	switch k {
	case Password:
		return "username,password"
	case APIKey:
		return "api_key"
	}
	return "token"
}

func isHeader(rec []string) bool {
	switch strings.ToLower(strings.TrimSpace(rec[0])) {
	case "username", "user", "login", "email", "api_key", "apikey", "key", "token", "bearer":
		return true
	}
	return false
}

// Rotate says when a VU changes identity.
type Rotate int

// Rotations.
const (
	// PerVU: VU g acts as credential g mod len(pool) throughout.
	PerVU Rotate = iota
	// PerRequest: every request takes the pool's next credential
	// (credential stuffing).
	PerRequest
	// PerRequests: a VU takes the pool's next credential every Every
	// requests.
	PerRequests
)

var rotateNames = [...]string{"per-vu", "per-request", "per-n-requests"}

func (r Rotate) String() string {
	if r >= 0 && int(r) < len(rotateNames) {
		return rotateNames[r]
	}
	return fmt.Sprintf("Rotate(%d)", int(r))
}

// Rotation is how VUs go through a pool.
type Rotation struct {
	Mode  Rotate
	Every int
}

func (r Rotation) every() int {
	switch r.Mode {
	case PerRequest:
		return 1
	case PerRequests:
		return max(1, r.Every)
	}
	return 0
}

// apply puts the credential into req: placeholders in the path, body and
// headers, and the auth header for keys and tokens (unless the Program set
// one).
func (c *Credential) apply(req scenarios.Request, p *Pool) scenarios.Request {
	// The replacer is made only for a request naming a placeholder: most
	// name none, and making one per request was most of apply's cost.
	var repl *strings.Replacer
	replace := func(s string) string {
		if repl == nil {
			repl = strings.NewReplacer("{{username}}", c.Username, "{{password}}", c.Password, "{{api_key}}", c.APIKey, "{{token}}", c.Token)
		}
		return repl.Replace(s)
	}
	if strings.Contains(req.Path, "{{") {
		req.Path = replace(req.Path)
	}
	if bytes := req.Body; len(bytes) > 0 && strings.Contains(string(bytes), "{{") {
		req.Body = []byte(replace(string(bytes)))
	}
	placeholders := false
	for _, vs := range req.Header {
		for _, v := range vs {
			placeholders = placeholders || strings.Contains(v, "{{")
		}
	}
	needAuth := c.Kind == APIKey || c.Kind == Bearer
	if !placeholders && !needAuth {
		return req
	}
	h := req.Header.Clone()
	if h == nil {
		h = map[string][]string{}
	}
	for k, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, "{{") {
				vs[i] = replace(v)
			}
		}
		h[k] = vs
	}
	switch c.Kind {
	case APIKey:
		name := "X-API-Key"
		if p != nil && p.Header != "" {
			name = p.Header
		}
		if h.Get(name) == "" {
			h.Set(name, c.APIKey)
		}
	case Bearer:
		if h.Get("Authorization") == "" {
			h.Set("Authorization", "Bearer "+c.Token)
		}
	}
	req.Header = h
	return req
}
