package vu

import "github.com/abusegate/abusegate/scenarios"

// appendExchange appends e as encoding/json would encode it, and a newline
// (same bytes, so the spill file reads back with encoding/json), without
// reflection: spilling is on the request path of the worker that fills
// the memory. TestAppendExchangeIsJSON keeps it in step with the struct.
func appendExchange(b []byte, e *scenarios.Exchange) []byte {
	return append(e.AppendJSON(b), '\n')
}
