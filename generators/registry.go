package generators

import (
	"fmt"
	"slices"
	"strings"
)

// Registry holds the misuse kinds a run may use. Build one with
// NewRegistry and register kinds explicitly at start-up; there is no global
// registry.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]Kind{}} }

// Register adds kinds. A duplicate id is a programming error and panics at
// start-up, where it cannot go unnoticed.
func (r *Registry) Register(kinds ...Kind) {
	for _, k := range kinds {
		id := k.Info().ID
		if _, dup := r.kinds[id]; dup {
			panic(fmt.Sprintf("generators: kind %q registered twice", id))
		}
		r.kinds[id] = k
	}
}

// Lookup returns the kind with the given id.
func (r *Registry) Lookup(id string) (Kind, error) {
	k, ok := r.kinds[id]
	if !ok {
		return nil, fmt.Errorf("unknown misuse kind %q (known: %s)", id, strings.Join(r.IDs(), ", "))
	}
	return k, nil
}

// All returns the kinds sorted by id.
func (r *Registry) All() []Kind {
	out := make([]Kind, 0, len(r.kinds))
	for _, id := range r.IDs() {
		out = append(out, r.kinds[id])
	}
	return out
}

// IDs returns the registered ids, sorted.
func (r *Registry) IDs() []string {
	ids := make([]string, 0, len(r.kinds))
	for id := range r.kinds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
