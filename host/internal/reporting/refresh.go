package reporting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/locks"
)

// refreshOpts say when a refresh may be skipped.
type refreshOpts struct {
	// wait bounds the wait for the lock (zero: skip when it is held).
	wait time.Duration
	// minAge skips the refresh when the contents are younger.
	minAge time.Duration
	// servedAt skips the refresh when the contents' watermark is at or
	// after it.
	servedAt time.Time
}

// Refresh runs a manual refresh now. Without force it is skipped
// (SkipRecent) when the contents are younger than Config.MinAge. It waits
// up to Config.LockWait for a refresh in progress elsewhere and returns
// ErrBusy when that runs out; ErrNotBuilt before the first SetSources.
func (s *Service) Refresh(ctx context.Context, force bool) (Result, error) {
	opts := refreshOpts{wait: s.cfg.LockWait, minAge: s.cfg.MinAge}
	if force {
		opts.minAge = 0
	}
	res, err := s.refresh(ctx, TriggerManual, opts)
	if err == nil && res.Skipped == SkipBusy {
		return res, ErrBusy
	}
	return res, err
}

// refresh decides whether the refresh is needed, takes the lock on a
// dedicated connection, decides again (another replica may have refreshed
// meanwhile) and runs it. The first look goes without the lock, so the
// frequent scheduled checks that find young contents never contend for it.
func (s *Service) refresh(ctx context.Context, trigger Trigger, opts refreshOpts) (Result, error) {
	res := Result{Trigger: trigger}
	if opts.minAge > 0 || !opts.servedAt.IsZero() {
		st, ok, err := readState(ctx, s.pool)
		if err != nil {
			return res, fmt.Errorf("%s refresh: %w", trigger, err)
		}
		if !ok {
			return res, ErrNotBuilt
		}
		if s.skip(ctx, &res, st, opts) {
			return res, nil
		}
	}
	if release, busy := s.jobLock(ctx, opts.wait); busy {
		res.Skipped = SkipBusy
		return res, nil
	} else if release != nil {
		defer release()
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("%s refresh: acquire connection: %w", trigger, err)
	}
	defer conn.Release()
	locked, err := s.lock(ctx, conn, opts.wait)
	if err != nil {
		return res, fmt.Errorf("%s refresh: %w", trigger, err)
	}
	if !locked {
		res.Skipped = SkipBusy
		return res, nil
	}
	defer s.unlock(ctx, conn)
	st, ok, err := readState(ctx, conn)
	if err != nil {
		return res, fmt.Errorf("%s refresh: %w", trigger, err)
	}
	if !ok {
		return res, ErrNotBuilt
	}
	if s.skip(ctx, &res, st, opts) {
		return res, nil
	}
	spec := buildSpec{hash: st.hash, sources: st.sources, definition: st.definition, refresh: true}
	if all, ok := s.leftOutSpec(st); ok {
		spec = all
	}
	return s.buildOrLeaveOut(ctx, conn, trigger, spec)
}

// skip reports whether opts let the refresh be skipped given the current
// state, and fills in res when so; the requests the current contents serve
// are forgotten.
func (s *Service) skip(ctx context.Context, res *Result, st state, opts refreshOpts) bool {
	age := s.now().Sub(st.watermark)
	switch {
	case opts.minAge > 0 && age < opts.minAge:
		res.Skipped = SkipRecent
	case !opts.servedAt.IsZero() && !st.watermark.Before(opts.servedAt):
		res.Skipped = SkipFresh
	default:
		return false
	}
	res.LastRefreshAt, res.AgeSeconds, res.Rows = st.watermark, age.Seconds(), st.rows
	if err := s.served(ctx, s.pool, st.watermark); err != nil {
		s.log.Warn("skipped refresh", "error", err)
	}
	return true
}

// buildSpec is what to build: the definition of the base view from a set
// of sources. refresh marks a refresh of unchanged sources, which
// Config.Concurrent may do in place.
type buildSpec struct {
	hash       string
	sources    []string
	definition string
	refresh    bool
}

// build builds or refreshes the views in one transaction on conn, which
// holds the lock, records the new watermark and logs the attempt.
func (s *Service) build(ctx context.Context, conn *pgxpool.Conn, trigger Trigger, spec buildSpec) (Result, error) {
	res := Result{Trigger: trigger, StartedAt: s.now()}
	clock := time.Now()
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, buildSettingsSQL); err != nil {
			return err
		}
		var err error
		if spec.refresh && s.cfg.Concurrent {
			res.Rows, err = refreshInPlace(ctx, tx)
		} else {
			res.Rows, err = buildAndSwap(ctx, tx, spec.definition)
		}
		if err != nil {
			return err
		}
		finished := s.now()
		res.DurationMS = time.Since(clock).Milliseconds()
		if spec.refresh {
			_, err = tx.Exec(ctx, updateStateSQL, res.StartedAt, finished, res.Rows)
		} else {
			_, err = tx.Exec(ctx, upsertStateSQL, spec.hash, spec.sources, spec.definition, res.StartedAt, finished, res.Rows)
		}
		if err != nil {
			return fmt.Errorf("record the watermark: %w", err)
		}
		if _, err := tx.Exec(ctx, insertLogSQL, string(trigger), res.StartedAt, finished, res.DurationMS, res.Rows, nil); err != nil {
			return fmt.Errorf("log the refresh: %w", err)
		}
		if _, err := tx.Exec(ctx, clearSourceFailuresSQL, spec.sources); err != nil {
			return fmt.Errorf("forget the failures of the sources built: %w", err)
		}
		return s.served(ctx, tx, res.StartedAt)
	})
	if s.cfg.Observe != nil {
		s.cfg.Observe(string(trigger), time.Since(clock), err)
	}
	if err != nil {
		err = fmt.Errorf("%s refresh: %w", trigger, err)
		s.logFailure(ctx, conn, trigger, res.StartedAt, time.Since(clock), err)
		return Result{Trigger: trigger}, err
	}
	res.Refreshed = true
	s.log.Info("refreshed universal transactions", "trigger", trigger, "rows", res.Rows, "duration_ms", res.DurationMS)
	if _, err := conn.Exec(ctx, pruneLogSQL, s.now().Add(-s.cfg.LogRetention)); err != nil {
		s.log.Warn("prune mv_refresh_log", "error", err)
	}
	return res, nil
}

// buildAndSwap builds both views under temporary names and swaps them in;
// it returns the base view's row count.
func buildAndSwap(ctx context.Context, tx pgx.Tx, def string) (int64, error) {
	tag, err := tx.Exec(ctx, fmt.Sprintf(createNextBaseSQL, def))
	if err != nil {
		return 0, fmt.Errorf("create universal_transactions_mv: %w", markSourceQuery(err))
	}
	steps := []struct{ what, sql string }{
		{"index universal_transactions_mv (company_id, transaction_type, source_id must be unique across sources)", createNextBaseKeySQL},
		{"index universal_transactions_mv by time", createNextBaseTimeSQL},
		{"analyze universal_transactions_mv", analyzeNextBaseSQL},
		{"create revenue_daily_mv", fmt.Sprintf(createNextDailySQL, fmt.Sprintf(dailyDefinitionSQL, "universal_transactions_mv_next"))},
		{"index revenue_daily_mv", createNextDailyKeySQL},
		{"bound the swap's lock wait", swapLockTimeoutSQL},
		{"swap the views in", swapSQL},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.sql); err != nil {
			return 0, fmt.Errorf("%s: %w", st.what, markSourceQuery(err))
		}
	}
	return tag.RowsAffected(), nil
}

// refreshInPlace refreshes both views concurrently; it returns the base
// view's row count.
func refreshInPlace(ctx context.Context, tx pgx.Tx) (int64, error) {
	if _, err := tx.Exec(ctx, refreshConcurrentlySQL); err != nil {
		return 0, fmt.Errorf("refresh concurrently: %w", markSourceQuery(err))
	}
	var rows int64
	if err := tx.QueryRow(ctx, countBaseSQL).Scan(&rows); err != nil {
		return 0, fmt.Errorf("count universal_transactions_mv: %w", err)
	}
	return rows, nil
}

// logFailure records a failed refresh in mv_refresh_log, even when ctx is
// already cancelled.
func (s *Service) logFailure(ctx context.Context, conn *pgxpool.Conn, trigger Trigger, started time.Time, took time.Duration, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, insertLogSQL, string(trigger), started, s.now(), took.Milliseconds(), nil, cause.Error()); err != nil {
		s.log.Error("log a failed refresh", "error", err)
	}
}

// lock takes the refresh advisory lock on conn, retrying for up to wait.
func (s *Service) lock(ctx context.Context, conn *pgxpool.Conn, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, tryLockSQL, s.lockA, s.lockB).Scan(&ok); err != nil {
			return false, fmt.Errorf("take the refresh lock: %w", err)
		}
		if ok || !time.Now().Before(deadline) {
			return ok, nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("wait for the refresh lock: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// unlock releases the refresh lock; a session that may still hold it is
// closed rather than returned to the pool.
func (s *Service) unlock(ctx context.Context, conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, unlockSQL, s.lockA, s.lockB); err != nil {
		s.log.Error("release the refresh lock", "error", err)
		_ = conn.Conn().Close(ctx)
	}
}

// jobLock takes Config.Locker's refresh lock, when there is one, so replicas
// skip a refresh another one runs without holding a database connection.
// It is an optimisation: the advisory lock stays the guarantee, so a lock
// service that is down (or any error but a held lock) only logs.
func (s *Service) jobLock(ctx context.Context, wait time.Duration) (release func(), busy bool) {
	if s.cfg.Locker == nil {
		return nil, false
	}
	l, err := s.cfg.Locker.Acquire(ctx, "reporting:refresh", jobLockTTL, wait)
	switch {
	case errors.Is(err, locks.ErrNotAcquired):
		return nil, true
	case err != nil:
		s.log.Warn("refresh job lock unavailable; relying on the advisory lock", "error", err)
		return nil, false
	}
	return func() {
		if err := l.Release(context.WithoutCancel(ctx)); err != nil {
			s.log.Warn("release the refresh job lock", "error", err)
		}
	}, false
}

// jobLockTTL bounds how long a crashed replica's refresh lock blocks others.
const jobLockTTL = 10 * time.Minute
