package cache

import "github.com/redis/go-redis/v9"

// The cache's Lua scripts. go-redis runs them with EVALSHA and falls back
// to EVAL when Redis has not cached them yet.
var (
	// setScript stores an entry and adds it to its tag sets, whose TTL is
	// raised to cover it. With a condition it first checks that every
	// epoch still holds the expected token and stores nothing otherwise.
	//   KEYS: entry, epoch_1..epoch_m, set_1..set_n
	//   ARGV: value, ttl_ms, m, expected_1..expected_m
	//   returns 1 if stored, 0 if an epoch moved
	setScript = redis.NewScript(`
local m = tonumber(ARGV[3])
for i = 1, m do
  if (redis.call('GET', KEYS[1 + i]) or '') ~= ARGV[3 + i] then
    return 0
  end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2 + m, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 1
`)

	// deleteScript deletes entries and gives their key epochs a new token.
	//   KEYS: entry_1..entry_n, epoch_1..epoch_n
	//   ARGV: token, epoch_ttl_ms
	deleteScript = redis.NewScript(`
local n = #KEYS / 2
for i = 1, n do
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[n + i], ARGV[1], 'PX', ARGV[2])
end
return n
`)

	// invalidateScript gives tag epochs a new token, then deletes every
	// member of the tag sets and the sets, in batches of 500.
	//   KEYS: set_1..set_n, epoch_1..epoch_n
	//   ARGV: token, epoch_ttl_ms
	invalidateScript = redis.NewScript(`
local n = #KEYS / 2
local deleted = 0
for i = 1, n do
  redis.call('SET', KEYS[n + i], ARGV[1], 'PX', ARGV[2])
  local members = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #members, 500 do
    deleted = deleted + redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
  end
  redis.call('DEL', KEYS[i])
end
return deleted
`)
)
