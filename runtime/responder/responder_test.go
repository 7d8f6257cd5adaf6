package responder_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/scenarios"
)

// publicSpec loads a spec of ../shared/specs/openapi, skipping where the
// folder is absent (and failing in CI, where it must be).
func publicSpec(t testing.TB, name string) scenarios.Surface {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "specs", "openapi", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public spec %s missing in CI: %v", path, err)
		}
		t.Skipf("public spec %s not here (../shared/specs is laid beside the repository): %v", path, err)
	}
	s, _, err := openapi.LoadFile(path)
	require.NoError(t, err)
	return s
}

func shopSpec(t testing.TB) scenarios.Surface {
	t.Helper()
	s, _, err := openapi.LoadFile(filepath.Join("..", "..", "testdata", "specs", "demoshop.openapi.yaml"))
	require.NoError(t, err)
	return s
}

// do sends one request through a real loopback server and decodes the
// JSON answer.
func do(t *testing.T, srv *httptest.Server, method, path, token string, body any) (int, any) {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		rd = strings.NewReader(string(data))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var v any
	if res.StatusCode != http.StatusNoContent {
		require.NoError(t, json.NewDecoder(res.Body).Decode(&v), "%s %s answers JSON", method, path)
	}
	return res.StatusCode, v
}

func login(t *testing.T, srv *httptest.Server, user, pass string) string {
	t.Helper()
	code, body := do(t, srv, http.MethodPost, "/login", "", map[string]string{"username": user, "password": pass})
	require.Equal(t, http.StatusOK, code)
	tok, _ := body.(map[string]any)["token"].(string)
	require.NotEmpty(t, tok)
	return tok
}

func TestShopSpecFlows(t *testing.T) {
	r := responder.New(shopSpec(t), responder.Options{Seed: 1, Accounts: []scenarios.Identity{{Username: "ann", Password: "pw1"}, {Username: "bob", Password: "pw2"}}})
	srv := httptest.NewServer(r)
	defer srv.Close()

	t.Run("wrong password is 401, right one a token and the account's id", func(t *testing.T) {
		code, _ := do(t, srv, http.MethodPost, "/login", "", map[string]string{"username": "ann", "password": "nope"})
		assert.Equal(t, http.StatusUnauthorized, code)
		code, body := do(t, srv, http.MethodPost, "/login", "", map[string]string{"username": "bob", "password": "pw2"})
		require.Equal(t, http.StatusOK, code)
		assert.EqualValues(t, 2, body.(map[string]any)["user_id"])
	})
	t.Run("authenticated operation without a token is 401, with one it echoes the path id", func(t *testing.T) {
		code, _ := do(t, srv, http.MethodGet, "/users/42", "", nil)
		assert.Equal(t, http.StatusUnauthorized, code)
		code, _ = do(t, srv, http.MethodGet, "/users/42", "sim.forged", nil)
		assert.Equal(t, http.StatusUnauthorized, code, "only issued tokens count when the spec has a login")
		tok := login(t, srv, "ann", "pw1")
		code, body := do(t, srv, http.MethodGet, "/users/42", tok, nil)
		require.Equal(t, http.StatusOK, code)
		assert.EqualValues(t, 42, body.(map[string]any)["id"])
		_, again := do(t, srv, http.MethodGet, "/users/42", tok, nil)
		assert.Equal(t, body, again, "a record is the same every time it is read")
		_, other := do(t, srv, http.MethodGet, "/users/43", tok, nil)
		assert.NotEqual(t, body, other, "records differ")
		code, _ = do(t, srv, http.MethodGet, "/users/1000000", tok, nil)
		assert.Equal(t, http.StatusNotFound, code, "integer ids past the collection do not exist")
	})
	t.Run("collections page and bound the size", func(t *testing.T) {
		ids := func(path string) []float64 {
			code, body := do(t, srv, http.MethodGet, path, "", nil)
			require.Equal(t, http.StatusOK, code, path)
			var out []float64
			obj := body.(map[string]any)
			for _, v := range obj {
				if list, ok := v.([]any); ok {
					for _, it := range list {
						out = append(out, it.(map[string]any)["id"].(float64))
					}
				}
			}
			return out
		}
		assert.Equal(t, []float64{11, 12, 13, 14, 15}, ids("/products?page=3&limit=5"))
		huge := ids("/products?limit=1000000")
		assert.Greater(t, len(huge), 1000, "past the guard's default cap: the responder enforces no maximum")
		assert.LessOrEqual(t, len(huge), 5000, "bounded by MaxPage")
		assert.Empty(t, ids("/products?page=501&limit=20"), "past the end of the catalog")
		assert.Len(t, ids("/products"), 20, "the default page")
	})
	t.Run("coupons stack on the cart and the checkout states the discount", func(t *testing.T) {
		tok := login(t, srv, "bob", "pw2")
		code, _ := do(t, srv, http.MethodPost, "/cart/items", tok, map[string]any{"product_id": 7, "quantity": 2})
		require.Less(t, code, 300)
		for _, c := range []string{"SAVE10", "SAVE10", "WELCOME"} {
			code, _ = do(t, srv, http.MethodPost, "/cart/coupons", tok, map[string]any{"code": c})
			require.Less(t, code, 300, c)
		}
		code, _ = do(t, srv, http.MethodPost, "/cart/coupons", tok, map[string]any{"code": "no spaces allowed"})
		assert.Equal(t, http.StatusBadRequest, code)
		code, body := do(t, srv, http.MethodPost, "/checkout", tok, map[string]any{})
		require.Less(t, code, 300)
		off := body.(map[string]any)["discount_cents"].(float64)
		assert.Greater(t, off, 1500.0, "three codes of at least 500 cents each")
		_, body = do(t, srv, http.MethodPost, "/checkout", tok, map[string]any{})
		assert.EqualValues(t, 0, body.(map[string]any)["discount_cents"], "the checkout emptied the cart")
	})
	t.Run("sign-up creates an account that logs in; a taken name is 409", func(t *testing.T) {
		code, _ := do(t, srv, http.MethodPost, "/signup", "", map[string]any{"username": "carol", "password": "pw3", "email": "c@example.com"})
		require.Less(t, code, 300)
		code, _ = do(t, srv, http.MethodPost, "/signup", "", map[string]any{"username": "carol", "password": "x", "email": "c@example.com"})
		assert.Equal(t, http.StatusConflict, code)
		login(t, srv, "carol", "pw3")
	})
	t.Run("unknown paths are 404, other methods 405", func(t *testing.T) {
		code, _ := do(t, srv, http.MethodGet, "/nowhere", "", nil)
		assert.Equal(t, http.StatusNotFound, code)
		code, _ = do(t, srv, http.MethodDelete, "/products", "", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, code)
	})
}

func TestPublicSpecs(t *testing.T) {
	cases := []struct {
		spec, path string
		auth       bool
		want       func(t *testing.T, body any)
	}{
		{"swagger-petstore3.yaml", "/pet/42", true, func(t *testing.T, body any) {
			assert.EqualValues(t, 42, body.(map[string]any)["id"], "the pet the path names")
			assert.Equal(t, "doggie", body.(map[string]any)["name"], "from the schema's example")
		}},
		{"oai-petstore-expanded.yaml", "/pets?limit=7", false, func(t *testing.T, body any) {
			assert.Len(t, body, 7)
		}},
		{"oai-uspto.yaml", "/", false, func(t *testing.T, body any) {
			assert.NotNil(t, body, "the spec's example")
		}},
		{"redocly-museum.yaml", "/museum-hours?page=2&limit=3", true, func(t *testing.T, body any) {
			assert.Len(t, body, 3)
		}},
		// POST /v1/accounts/{account}/login_links reads as a login but
		// takes no password: the API takes keys issued elsewhere.
		{"stripe-spec3-2023-05.yaml", "/v1/customers?limit=3", true, func(t *testing.T, body any) {
			assert.NotNil(t, body)
		}},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			srv := httptest.NewServer(responder.New(publicSpec(t, c.spec), responder.Options{Seed: 3}))
			defer srv.Close()
			if c.auth {
				code, _ := do(t, srv, http.MethodGet, c.path, "", nil)
				assert.Equal(t, http.StatusUnauthorized, code, "no credential")
			}
			// Without a login in the spec, any credential where it goes counts.
			code, body := do(t, srv, http.MethodGet, c.path, "any-key", nil)
			require.Equal(t, http.StatusOK, code)
			c.want(t, body)
		})
	}
}
