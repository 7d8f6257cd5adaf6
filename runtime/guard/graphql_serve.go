package guard

import (
	"net/http"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// graphQL reads the GraphQL request r makes, when r is a POST (or a GET
// with a query) to one of the Surface's GraphQL endpoints; nil when it is
// not one, or when none of its fields is an operation of the Surface.
// What the guard cannot read passes through to the upstream as a plain
// request: it is counted, never refused for it.
func (g *Guard) graphQL(r *http.Request) *gqlRequest {
	if (r.Method != http.MethodPost && r.Method != http.MethodGet) || !g.router.GraphQL(r.URL.Path) {
		return nil
	}
	payloads, batch, err := readGraphQL(r)
	if err != nil {
		g.metrics.graphql("unreadable")
		return nil
	}
	q := resolveGraphQL(g.router, &g.docs, payloads, batch)
	if q.malformed > 0 {
		g.metrics.graphql("malformed")
	}
	if len(q.fields) == 0 {
		g.metrics.graphql("no-operation")
		return nil
	}
	g.metrics.graphql("resolved")
	g.metrics.graphqlFields.Add(float64(len(q.fields)))
	return &q
}

// serveGraphQL guards one GraphQL request field by field. Before it is
// served, the monitor inspects its shape (aliases and batches carrying
// many operations), the order of its mutations (a checkout before its
// cart) and its sign-ups (from a source past its limit), so an amplified,
// out-of-order or mass sign-up request is refused itself; a refused
// request answers 403 (or 401, 429) like a REST one, with a GraphQL
// errors body whose extension code says why. Once served, each field is
// one event with its own outcome, read from the answer, and each
// successful login field teaches the monitor its token.
func (g *Guard) serveGraphQL(w http.ResponseWriter, r *http.Request, next http.Handler, ev scenarios.Event, q *gqlRequest, st *scratch, start time.Time) {
	evs := q.events(ev)
	ctx := r.Context()
	g.record(ctx, g.mon.Inspect(evs))
	g.record(ctx, g.mon.InspectOperations(evs))
	if g.mode == Enforce {
		ev.Username = q.firstUsername()
		if code := g.enforce(w, r, &ev, &st.subjects, true); code != 0 {
			lat := g.now().Sub(start)
			for i := range evs {
				evs[i].Status, evs[i].Latency = code, lat
				g.observe(ctx, evs[i])
			}
			return
		}
	}
	rec := &st.rec
	rec.ResponseWriter, rec.capture, rec.limit = w, true, gqlMaxBody
	next.ServeHTTP(rec, r)
	statuses, answers := fieldStatuses(q, rec.body.Bytes(), rec.statusCode())
	g.learnGraphQL(q, answers, statuses)
	lat := g.now().Sub(start)
	share := rec.bytes / int64(len(evs))
	g.metrics.passed.Inc()
	for i := range evs {
		evs[i].Status, evs[i].Bytes, evs[i].Latency = statuses[i], share, lat
		g.observe(ctx, evs[i])
	}
}
