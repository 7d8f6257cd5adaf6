package guard

import (
	"context"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Sharer carries what this guard observes to its replicas and what they
// observe to this guard's monitor, so every replica's detectors count the
// traffic of all of them: an abuser whose requests a load balancer spreads
// over N replicas is seen whole by each, not at 1/N of its rate.
//
// Publish and Learned are on the request path: they must return at once,
// never wait on the network (a full queue drops, and counts, instead).
// Run does the I/O until ctx ends; it calls apply's functions from its own
// goroutine, one record at a time, never with this replica's own records.
type Sharer interface {
	// Publish queues an event this guard observed.
	Publish(ev *scenarios.Event)
	// Learned queues a token->identity mapping this guard learnt from a
	// login, so replicas score the token's requests as the identity.
	Learned(tokenID, identity string)
	// Run publishes the queue and feeds the replicas' records to apply
	// until ctx ends; it returns nil then. Unreachable peers are retried.
	Run(ctx context.Context, apply Remote) error
}

// Remote is what a Sharer feeds the replicas' records to.
type Remote struct {
	Observe func(ev scenarios.Event)
	Learn   func(tokenID, identity string)
}

// Run runs the guard's background work until ctx ends: with a Sharer, the
// exchange of observations with its replicas. Without one (or in Off mode,
// which observes nothing) it waits for ctx.
// Decisions the replicas' events trigger here are this guard's own: they
// are stored, logged and streamed like the others.
func (g *Guard) Run(ctx context.Context) error {
	if g.share == nil || g.mon == nil {
		<-ctx.Done()
		return nil
	}
	return g.share.Run(ctx, Remote{
		Observe: func(ev scenarios.Event) {
			// The monitor's clock is its events' time: a replica's event is
			// counted when it arrives, so clock skew between replicas never
			// moves this monitor's windows backwards.
			ev.Time = g.now()
			g.record(ctx, g.mon.Observe(ev))
		},
		Learn: g.mon.Learn,
	})
}

// observe scores ev and hands it to the replicas.
func (g *Guard) observe(ctx context.Context, ev scenarios.Event) {
	mt, _ := g.router.Match(ev.Method, ev.Path)
	g.observeMatched(ctx, &ev, mt)
}

// observeMatched is observe of an event whose path matched mt (see
// monitor.ObserveMatched).
func (g *Guard) observeMatched(ctx context.Context, ev *scenarios.Event, mt monitor.Match) {
	if g.share != nil {
		g.publish(*ev)
	}
	g.record(ctx, g.mon.ObserveMatched(ev, mt))
}

// publish hands a copy of ev to the replicas: the copy escapes to the
// heap here, so a guard without a Sharer does not allocate the event.
func (g *Guard) publish(ev scenarios.Event) { g.share.Publish(&ev) }

// learnToken ties tokenID to identity here and on the replicas.
func (g *Guard) learnToken(tokenID, identity string) {
	g.mon.Learn(tokenID, identity)
	if g.share != nil && tokenID != "" && identity != "" {
		g.share.Learned(tokenID, identity)
	}
}
