package sdk

import (
	"bytes"
	"encoding/json"
	"sync"
)

// Instances holds one instance per company: the vertical's parsed
// configuration and whatever it derives from it (currency, tax rates,
// compiled rules). The first request of a company builds its instance;
// later requests reuse it until the company is reconfigured — its
// configuration or any field of its Company (currency, country, time
// zone...) differs from the ones the instance was built from — and the
// next request builds it again. Every request carries the company's
// current configuration, so a change made through ConfigureCompany on
// any host replica is seen by the next request, with nothing to
// invalidate by hand.
//
// An instance is shared by the company's concurrent requests: it must not
// be modified after build returns. A failed build is not kept: the next
// request tries again. Instances is safe for concurrent use.
type Instances[T any] struct {
	build func(co Company, config json.RawMessage) (T, error)

	mu        sync.RWMutex
	byCompany map[string]*instance[T]
}

// instance is one company's built value and what it was built from.
type instance[T any] struct {
	company Company
	config  []byte
	value   T
}

// NewInstances returns an empty set of per-company instances built by
// build from the company and its configuration of the vertical (a JSON
// object, "{}" when none).
func NewInstances[T any](build func(co Company, config json.RawMessage) (T, error)) *Instances[T] {
	return &Instances[T]{build: build, byCompany: map[string]*instance[T]{}}
}

// Get returns the instance of the request's company, building it when the
// company has none yet or was reconfigured since. It returns build's error
// as is.
func (in *Instances[T]) Get(c *Context) (T, error) {
	co := c.Company()
	if co.ID == "" {
		co.ID = c.Principal().CompanyID
	}
	config := c.Config()
	in.mu.RLock()
	cur, ok := in.byCompany[co.ID]
	in.mu.RUnlock()
	if ok && cur.company == co && bytes.Equal(cur.config, config) {
		return cur.value, nil
	}
	v, err := in.build(co, config)
	if err != nil {
		var zero T
		return zero, err
	}
	in.mu.Lock()
	in.byCompany[co.ID] = &instance[T]{company: co, config: bytes.Clone(config), value: v}
	in.mu.Unlock()
	return v, nil
}
