package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix namespaces the Redis limiter's keys.
const DefaultRedisPrefix = "nexus:rl:"

// gcraScript is Memory's GCRA evaluated atomically in Redis, in whole
// microseconds. Each key holds its theoretical arrival time and expires
// when it has fully decayed.
//
//	KEYS[1] the key; ARGV: interval µs, burst, now µs (negative: Redis TIME)
//	returns {allowed 0|1, remaining, retry_after µs, reset_after µs}
var gcraScript = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local nxt = tat + interval
local wait = nxt - now - tolerance
if wait > 0 then
  return {0, 0, wait, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.max(1, math.ceil((nxt - now) / 1000)))
return {1, math.floor((tolerance - (nxt - now)) / interval), 0, nxt - now}
`)

// Redis is a Limiter shared by every host replica: the same GCRA as Memory
// in one atomic script, timed by the Redis server's clock so replicas with
// skewed clocks agree. Times are whole microseconds: an interval below 1 µs
// (more than a million requests per second on one key) counts as 1 µs.
type Redis struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewRedis returns a limiter storing its state through client under prefix
// (DefaultRedisPrefix when empty).
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return NewRedisClock(client, prefix, nil)
}

// NewRedisClock is NewRedis reading time from now instead of the Redis
// server, so tests can move the clock. Production uses NewRedis.
func NewRedisClock(client redis.UniversalClient, prefix string, now func() time.Time) *Redis {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &Redis{client: client, prefix: prefix, now: now}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return Decision{}, fmt.Errorf("allow %q: %w", key, err)
	}
	now := int64(-1)
	if r.now != nil {
		now = r.now().UnixMicro()
	}
	interval := max(l.interval().Microseconds(), 1)
	res, err := gcraScript.Run(ctx, r.client, []string{r.prefix + key}, interval, l.burst(), now).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("allow %q: redis: %w", key, err)
	}
	if len(res) != 4 {
		return Decision{}, fmt.Errorf("allow %q: redis: unexpected reply %v", key, res)
	}
	return Decision{
		Allowed:    res[0] == 1,
		Limit:      l,
		Remaining:  int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
	}, nil
}
