package sarif

import "fmt"

// Level is a result's SARIF level.
type Level int

// Levels, as SARIF defines them.
const (
	None Level = iota
	Note
	Warning
	Error
)

var levelNames = [...]string{"none", "note", "warning", "error"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// MarshalText writes the level as SARIF spells it.
func (l Level) MarshalText() ([]byte, error) {
	if l < 0 || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("sarif: invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a level as SARIF spells it.
func (l *Level) UnmarshalText(b []byte) error {
	for i, n := range levelNames {
		if n == string(b) {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("sarif: unknown level %q", b)
}
