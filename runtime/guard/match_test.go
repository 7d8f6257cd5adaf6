package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// The guard matches a request's URL path once and hands the match on to
// the monitor, which scores the event by the event's path: the raw request
// URI when there is a query. Where the two spell the path otherwise
// (escaped), the match handed on must be the one the monitor would make of
// the event's path.
func TestEventMatchIsTheMonitorsOwn(t *testing.T) {
	g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: Enforce, Now: newFakeClock().Now})
	require.NoError(t, err)
	for _, target := range []string{
		"/users/7", "/users/7?x=1", "/users/%37?x=1", "/us%65rs/7?x=1",
		"/products?limit=5", "/products/?limit=5", "/nowhere?x=1", "/login",
	} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		var ev scenarios.Event
		mt := g.event(r, time.Unix(1, 0), &ev)
		want, _ := g.router.Match(ev.Method, ev.Path)
		assert.Equal(t, want, g.eventMatch(r, &ev, mt), target)
	}
}
