-- Cache invalidations that Redis has not acknowledged yet. A unit of work
-- writes its invalidations here in its own transaction, so they commit with
-- the change; once Redis applied them the row is deleted. Rows left behind
-- (Redis was down, or the host stopped in between) are applied by any
-- replica before it reads the cache again. names are the Redis keys the
-- delete and tag-invalidation scripts take, already namespaced.
CREATE TABLE cache_invalidations (
    id               uuid PRIMARY KEY,
    company_id       uuid NOT NULL,
    delete_names     text[] NOT NULL DEFAULT '{}',
    invalidate_names text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cache_invalidations_created_idx ON cache_invalidations (created_at);
