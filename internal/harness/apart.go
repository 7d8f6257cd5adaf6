package harness

import (
	"fmt"

	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// Apart makes every attack scenario a different attacker, on machines of
// its own: each of its identities (each VU without a pool) sends from a
// loopback source address of its own, and its devices — the rotated
// browsers, or one browser when the plan rotates none — are builds no
// other scenario uses. Scenarios run side by side then never share an
// address or a fingerprint, so the containment of one cannot stop another
// and the oracle credits each with the decisions its own traffic earned.
// Every identity, shoppers' too, sends from a /24 of its own
// (vu.Disguise.Networks), as people on distinct networks rather than
// neighbours behind one router: on loopback they would otherwise all
// share 127.0.0.0/24, and a detector that groups clients by network
// prefix would take shoppers and scrapers for one crowd (the demo). Call
// it before Run.
func (h *Harness) Apart() {
	base := vu.DefaultDevices()
	for i := range h.loads {
		w := &h.loads[i]
		w.Disguise.Sources, w.Disguise.Networks = true, true
		if w.Actor != scenarios.Attacker {
			continue
		}
		devices := w.Disguise.Devices
		if len(devices) == 0 {
			devices = base[i%len(base) : i%len(base)+1]
		}
		own := make([]vu.Device, len(devices))
		for j, d := range devices {
			d.Name = fmt.Sprintf("%s-attacker%d", d.Name, i)
			d.UserAgent = fmt.Sprintf("%s abusegate-attacker/%d", d.UserAgent, i)
			own[j] = d
		}
		w.Disguise.Devices = own
	}
}
