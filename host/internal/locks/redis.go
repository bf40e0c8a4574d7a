package locks

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexuspos/nexus/host/internal/cache"
)

// The compare-and-act scripts, run by SHA (EVALSHA, with EVAL on a cold
// script cache). Each acts only while KEYS[1] still holds the caller's
// token, so an owner whose lock expired cannot release or extend the next
// owner's.
var (
	// releaseScript: KEYS[1] lock; ARGV[1] token. Returns 1 if released.
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
	// extendScript: KEYS[1] lock; ARGV[1] token, ARGV[2] ttl in ms.
	// Returns 1 if extended.
	extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)
)

// Redis is the Backend shared by every host replica. It fails closed:
// while health reports Redis down, every call returns ErrUnavailable
// without touching the network.
type Redis struct {
	core

	client redis.UniversalClient
	health cache.Health
}

// NewRedis returns a backend taking locks through client and consulting
// health (nil means always healthy). It loads its scripts lazily: the first
// EVALSHA that misses falls back to EVAL, which caches them in Redis.
func NewRedis(client redis.UniversalClient, health cache.Health) *Redis {
	if health == nil {
		health = alwaysHealthy{}
	}
	r := &Redis{client: client, health: health}
	r.core.st = r
	return r
}

func (r *Redis) acquire(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if err := r.ready(); err != nil {
		return false, err
	}
	err := r.client.SetArgs(ctx, key, token, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	}
	r.health.Observe(err)
	return false, unavailable(err)
}

func (r *Redis) release(ctx context.Context, key, token string) (bool, error) {
	return r.run(ctx, releaseScript, key, token)
}

func (r *Redis) extend(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	return r.run(ctx, extendScript, key, token, ttl.Milliseconds())
}

func (r *Redis) run(ctx context.Context, s *redis.Script, key string, args ...any) (bool, error) {
	if err := r.ready(); err != nil {
		return false, err
	}
	n, err := s.Run(ctx, r.client, []string{key}, args...).Int()
	if err != nil {
		r.health.Observe(err)
		return false, unavailable(err)
	}
	return n == 1, nil
}

func (r *Redis) ready() error {
	if ok, reason := r.health.Healthy(); !ok {
		return unavailable(errors.New(reason))
	}
	return nil
}

// alwaysHealthy is the health of a backend built without a monitor.
type alwaysHealthy struct{}

func (alwaysHealthy) Healthy() (bool, string) { return true, "" }
func (alwaysHealthy) Observe(error)           {}
