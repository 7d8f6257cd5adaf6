package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
)

// TokenID names a bearer token without revealing it: the first 12 hex digits
// of its SHA-256. The harness and the monitor both derive it, so decisions
// about a token can be attributed to the scenario that used it while reports
// never carry the token itself.
func TokenID(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return "tok-" + hex.EncodeToString(sum[:6])
}

// CorrelationHeader carries the correlation id of every request the harness
// sends, so that alerts from a target's own detectors can be attributed.
const CorrelationHeader = "X-Abusegate-Correlation"
