// Package cache owns the host's shared cache and its Redis plumbing: the
// tenant Scope that namespaces every key, the scoped Cache handed to host
// code and verticals, the Redis and in-memory backends behind it, the
// Invalidator that applies invalidations after a unit of work commits, and
// the Redis client constructor and health Monitor that the cache, the locks
// and the rate limiter all consult.
//
// Keys are always namespaced: a Cache is obtained from a Backend with For,
// and every key and tag it touches lives under
// nexus:c:<vertical>:<company>:<key> (entries), nexus:ck:… (key epochs),
// nexus:ct:… (tag members) and nexus:cv:… (tag epochs). Nothing a caller
// passes can name a key outside its scope.
//
// Consistency: invalidation deletes entries (by key, or every member of a
// tag) and replaces the key's or tag's epoch with a fresh random token.
// GetOrLoad records the epochs before loading and stores the loaded value
// only if they are unchanged, atomically in one script, so a value loaded
// from data that a concurrent writer has since invalidated is never cached.
// Plain Set is unconditional.
//
// Degradation: the cache is an optimisation, never the source of truth.
// While Redis is unreachable Get misses, Set is a no-op and GetOrLoad calls
// the loader directly; none of them returns an error for an outage. An
// outage is logged at warn level once, not once per request.
//
// Durability: with a journal (Redis.UseJournal, the host table
// cache_invalidations) an invalidation cannot be lost. A unit of work
// writes its invalidations' rows in its own transaction
// (Invalidator.Journal), so they commit with the change; an invalidation
// outside a unit is written when Redis cannot take it. A row is deleted
// once Redis applied it. Until the journal is drained — at start, after an
// outage, when this process owes invalidations or old rows wait — this
// process bypasses the cache and any replica applies the rows first, so
// neither an outage nor a restart leaves a stale entry readable. Without a
// journal (tests, tools) failed invalidations are queued in process
// (bounded) and an invalidation lost beyond that bound leaves entries stale
// for at most their TTL, which is why every entry must have one (MaxTTL at
// most).
//
// The package must not hold business data that is not reproducible from
// PostgreSQL, and must not import other host packages.
package cache
