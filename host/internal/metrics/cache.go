package metrics

import "sync"

// childCache keeps the resolved children of a vector by their label
// values, so the hot paths pay a map lookup instead of hashing label
// values into the vector on every observation.
type childCache[K comparable, V any] struct {
	m sync.Map // K → V
}

// get returns the child for k, resolving it the first time.
func (c *childCache[K, V]) get(k K, resolve func() V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v, _ := c.m.LoadOrStore(k, resolve())
	return v.(V)
}
