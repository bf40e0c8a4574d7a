package ratelimit

import (
	"context"

	"github.com/hashicorp/go-hclog"
)

// Health reports whether the shared backend is reachable and hears about
// its failures; the host's Redis monitor implements it.
type Health interface {
	Healthy() (ok bool, reason string)
	Observe(err error)
}

// Fallback limits through a shared primary (Redis) while health reports it
// reachable and through a per-process local limiter (Memory) otherwise, or
// when a primary call fails. It never returns a backend error: during an
// outage each replica enforces the limits on its own, so N replicas admit
// up to N times the limit.
type Fallback struct {
	primary Limiter
	local   Limiter
	health  Health
	log     hclog.Logger
}

// NewFallback returns a limiter preferring primary and falling back to
// local.
func NewFallback(primary Limiter, health Health, local Limiter, log hclog.Logger) *Fallback {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Fallback{primary: primary, local: local, health: health, log: log}
}

// Allow implements Limiter.
func (f *Fallback) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return Decision{}, err
	}
	if ok, _ := f.health.Healthy(); ok {
		d, err := f.primary.Allow(ctx, key, l)
		if err == nil {
			return d, nil
		}
		f.health.Observe(err)
		f.log.Debug("shared rate limiter failed; limiting per process", "error", err)
	}
	return f.local.Allow(ctx, key, l)
}
