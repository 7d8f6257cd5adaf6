package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// Options say where a spec may be read from and what it may pull in. The
// zero value reads local files and loopback URLs only and refuses remote
// $refs: a spec is untrusted input and must not make the harness fetch from
// hosts it was not pointed at.
type Options struct {
	// AllowHosts are the hosts, besides loopback, that a spec URL and (with
	// RemoteRefs) its $refs may be fetched from. Exact host names or IPs,
	// without port.
	AllowHosts []string
	// RemoteRefs lets $refs point at http(s) URLs on allowed hosts. Relative
	// $refs of a spec read from a URL stay on that URL's host and need no
	// permission.
	RemoteRefs bool
	// Client fetches URLs; nil means one with a 30 s timeout that refuses
	// redirects off the allow-list.
	Client *http.Client
	// Stdin is what the source "-" reads.
	Stdin io.Reader
	// MaxBytes bounds one fetched or read document; 0 means 64 MiB.
	MaxBytes int64
	// SkipValidation leaves out kin-openapi's validation, and with it the
	// warnings: on large specs it costs several times the load itself
	// (BENCHMARKS.md). Callers that only need the surface set it.
	SkipValidation bool
}

const defaultMaxBytes = 64 << 20

// Read loads a spec from a file path, "-" (Options.Stdin) or an http(s) URL
// on an allowed host, and returns its Surface; see Load.
func (o Options) Read(ctx context.Context, src string) (scenarios.Surface, []Warning, error) {
	switch {
	case src == "-":
		if o.Stdin == nil {
			return scenarios.Surface{}, nil, errors.New("openapi: spec \"-\" (stdin) given but no standard input is attached")
		}
		data, err := readBounded(o.Stdin, o.maxBytes())
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: reading stdin: %w", err)
		}
		return o.load(ctx, "<stdin>", data, nil)
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		u, err := url.Parse(src)
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: spec url %q: %w", src, err)
		}
		data, err := o.fetch(ctx, u)
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %w", err)
		}
		return o.load(ctx, src, data, u)
	default:
		data, err := readFile(src, o.maxBytes())
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %w", err)
		}
		return o.load(ctx, src, data, nil)
	}
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return defaultMaxBytes
}

func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readBounded(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// hostAllowed reports whether u may be fetched: loopback always, other
// hosts only when listed.
func (o Options) hostAllowed(u *url.URL) bool {
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	return slices.Contains(o.AllowHosts, host)
}

func (o Options) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: only http and https urls can be fetched", u.Redacted())
	}
	if !o.hostAllowed(u) {
		return nil, fmt.Errorf("%s: host %q is not allowed: specs are fetched from loopback only unless the host is allow-listed (--allow-host %s)", u.Redacted(), u.Hostname(), u.Hostname())
	}
	client := o.Client
	if client == nil {
		client = &http.Client{
			Timeout: 30 * time.Second,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				if !o.hostAllowed(req.URL) {
					return fmt.Errorf("redirect to host %q refused: not allow-listed", req.URL.Hostname())
				}
				return nil
			},
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.Redacted(), err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: status %s", u.Redacted(), resp.Status)
	}
	data, err := readBounded(resp.Body, o.maxBytes())
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u.Redacted(), err)
	}
	return data, nil
}

// refReader resolves $refs: local files always (relative ones against the
// spec's own location); http(s) ones on the spec URL's own host, or on
// allowed hosts when RemoteRefs is set. Everything else is refused with the
// fix in the message.
func (o Options) refReader(ctx context.Context, base *url.URL) openapi3.ReadFromURIFunc {
	return func(loader *openapi3.Loader, u *url.URL) ([]byte, error) {
		switch u.Scheme {
		case "", "file":
			if u.Host != "" {
				return nil, fmt.Errorf("$ref %s refused: file urls with a host are not read", u.Redacted())
			}
			return readFile(u.Path, o.maxBytes())
		case "http", "https":
			sameHost := base != nil && base.Host == u.Host
			if !sameHost && !o.RemoteRefs {
				return nil, fmt.Errorf("remote $ref %s refused: copy the referenced file next to the spec and use a relative $ref, or allow remote refs (--allow-remote-refs) from an allow-listed host", u.Redacted())
			}
			return o.fetch(ctx, u)
		default:
			return nil, fmt.Errorf("$ref %s refused: scheme %q is not supported", u.Redacted(), u.Scheme)
		}
	}
}
