package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The journal's statements on the host table cache_invalidations (host
// migration 0007). Rows carry company_id, so tenant transactions may write
// only their own company's.
const (
	journalInsertSQL = `INSERT INTO public.cache_invalidations (id, company_id, delete_names, invalidate_names) VALUES ($1, $2, $3, $4)`
	journalDoneSQL   = `DELETE FROM public.cache_invalidations WHERE id = ANY($1)`
	journalClaimSQL  = `DELETE FROM public.cache_invalidations WHERE id IN (
    SELECT id FROM public.cache_invalidations ORDER BY created_at LIMIT $1 FOR UPDATE)
RETURNING delete_names, invalidate_names`
	journalOrphansSQL = `SELECT EXISTS (SELECT 1 FROM public.cache_invalidations WHERE created_at < now() - make_interval(secs => $1))`
)

// Journal timing: applied rows are deleted in batches every
// journalDoneEvery; rows older than journalOrphanAge (left by a replica
// that stopped or lost Redis) make a replica drain the journal, checked
// every journalOrphanEvery.
const (
	journalDoneEvery   = 250 * time.Millisecond
	journalOrphanEvery = 10 * time.Second
	journalOrphanAge   = 30 * time.Second
	journalClaimBatch  = 500
	maxJournalDone     = 100_000
)

// journal keeps in PostgreSQL the invalidations Redis has not acknowledged:
// written in the unit of work that caused them (Invalidator.Journal) or,
// for an invalidation outside a unit, when Redis refused it. A row is
// deleted once Redis applied it; the rows left are applied (drained) by any
// replica before it reads the cache again, so no invalidation is lost to an
// outage or a restart.
type journal struct {
	pool *pgxpool.Pool

	mu   sync.Mutex
	done []uuid.UUID
}

// queue adds the insert of one row to b.
func (j *journal) queue(b *pgx.Batch, id, company uuid.UUID, del, inv []string) {
	b.Queue(journalInsertSQL, id, company, nonNil(del), nonNil(inv))
}

// insert writes one row on its own.
func (j *journal) insert(ctx context.Context, company uuid.UUID, del, inv []string) error {
	if _, err := j.pool.Exec(ctx, journalInsertSQL, uuid.New(), company, nonNil(del), nonNil(inv)); err != nil {
		return fmt.Errorf("journal cache invalidation: %w", err)
	}
	return nil
}

// applied records that Redis applied row id; flushDone deletes it.
func (j *journal) applied(id uuid.UUID) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.done) >= maxJournalDone {
		// Forgetting one only means a drain applies it again.
		j.done = j.done[1:]
	}
	j.done = append(j.done, id)
}

// flushDone deletes the rows Redis applied.
func (j *journal) flushDone(ctx context.Context) error {
	j.mu.Lock()
	ids := j.done
	j.done = nil
	j.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := j.pool.Exec(ctx, journalDoneSQL, ids); err != nil {
		j.mu.Lock()
		j.done = append(ids, j.done...)
		j.mu.Unlock()
		return fmt.Errorf("delete applied cache invalidations: %w", err)
	}
	return nil
}

// claim takes up to limit rows, oldest first, and hands each to apply in
// one transaction: the rows are deleted when every apply succeeded and
// left for a later drain otherwise. Concurrent claims by other replicas
// wait for the rows this one locked. It returns how many rows it applied.
func (j *journal) claim(ctx context.Context, limit int, apply func(del, inv []string) error) (int, error) {
	tx, err := j.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("claim cache invalidations: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, journalClaimSQL, limit)
	if err != nil {
		return 0, fmt.Errorf("claim cache invalidations: %w", err)
	}
	type row struct{ del, inv []string }
	claimed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.del, &x.inv)
		return x, err
	})
	if err != nil {
		return 0, fmt.Errorf("claim cache invalidations: %w", err)
	}
	for _, x := range claimed {
		if err := apply(x.del, x.inv); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("claim cache invalidations: %w", err)
	}
	return len(claimed), nil
}

// orphans reports whether rows older than journalOrphanAge wait.
func (j *journal) orphans(ctx context.Context) (bool, error) {
	var found bool
	err := j.pool.QueryRow(ctx, journalOrphansSQL, journalOrphanAge.Seconds()).Scan(&found)
	return found, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
