// Package locks owns mutual exclusion between host replicas: named,
// tenant-scoped locks with a TTL and a random owner token, taken through a
// Locker that a Backend hands out per cache.Scope (names live under
// nexus:l:<vertical>:<company>:<name>). The Redis backend acquires with
// SET NX PX and releases or extends with compare-and-act Lua scripts that
// act only while the caller's token still owns the lock; the Memory backend
// gives the same behaviour within one process, for single-node setups.
//
// Use locks to avoid duplicate work: one reporting refresh at a time, one
// replica running a scheduled job, one sequential fiscal-number request per
// point of sale. A lock can be lost without the holder knowing (its TTL
// expires during a pause, Redis fails over), so it is never a correctness
// guarantee on its own: stock and money stay correct because of database
// constraints and conditional updates (UPDATE ... WHERE on_hand >= $q,
// unique keys, SELECT ... FOR UPDATE) inside transactions, never because of
// a Redis lock. Code holding a lock for long must Extend it and stop when
// Extend fails.
//
// Acquisition fails closed: while Redis is unreachable Acquire returns
// ErrUnavailable at once rather than pretending to hold a lock.
//
// The package must not import other host packages except cache (for Scope
// and the Redis health contract).
package locks
