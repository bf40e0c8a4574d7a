package reporting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Run drives the scheduled and event-driven refreshes until ctx ends, then
// returns nil. It checks at once and then every Interval/12 (at most every
// 5 minutes) whether the contents are Interval old, and if so refreshes
// (skipping when another replica holds the lock: that replica is
// refreshing) and then checks the rollup for drift. Queued refresh
// requests (RequestRefresh, on any replica, before or after a restart) are
// served by one refresh Config.Debounce after the first of them, or after
// the check that finds them; when another replica holds the lock, Run
// tries again a Debounce later unless a refresh taken after the requests
// has run by then. Call it once per Service, after SetSources.
func (s *Service) Run(ctx context.Context) error {
	ticker := s.cfg.NewTicker(s.checkEvery())
	defer ticker.Stop()
	s.scheduled(ctx)
	var debounce <-chan time.Time
	if s.pending(ctx) {
		debounce = s.cfg.After(s.cfg.Debounce)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C():
			s.scheduled(ctx)
			// Requests queued by another replica, or left by one that
			// stopped, wake this one too.
			if debounce == nil && s.pending(ctx) {
				debounce = s.cfg.After(s.cfg.Debounce)
			}
		case <-s.wake:
			if debounce == nil {
				debounce = s.cfg.After(s.cfg.Debounce)
			}
		case <-debounce:
			debounce = nil
			if s.eventRefresh(ctx) {
				debounce = s.cfg.After(s.cfg.Debounce)
			}
		}
	}
}

// checkEvery is the period of the scheduled check.
func (s *Service) checkEvery() time.Duration {
	return max(time.Second, min(s.cfg.Interval/12, maxCheckEvery))
}

// scheduled refreshes when the contents are Interval old, then checks for
// drift.
func (s *Service) scheduled(ctx context.Context) {
	res, err := s.refresh(ctx, TriggerScheduled, refreshOpts{minAge: s.cfg.Interval})
	if err != nil {
		if !errors.Is(err, ErrNotBuilt) && ctx.Err() == nil {
			s.log.Error("scheduled refresh failed", "error", err)
		}
		return
	}
	if res.Refreshed {
		s.logDrift(ctx)
	}
}

// logDrift runs CheckDrift and logs what it finds.
func (s *Service) logDrift(ctx context.Context) {
	drift, err := s.CheckDrift(ctx)
	if err != nil {
		s.log.Error("check revenue rollup drift", "error", err)
		return
	}
	for _, d := range drift {
		s.log.Warn("revenue rollup drift", "company_id", d.CompanyID, "day", d.Day, "transaction_type", d.TransactionType,
			"currency", d.Currency, "rollup_amount", d.RollupAmount, "mv_amount", d.MVAmount,
			"rollup_count", d.RollupCount, "mv_count", d.MVCount)
	}
}

// RequestRefresh queues an event-driven refresh, e.g. because a
// transaction at or above its company's big-transaction threshold was
// recorded. The request is stored (reporting_refresh_requests) before it
// returns, so a restart loses none, and any replica's Run serves it:
// requests are coalesced, and all those made before a refresh starts are
// served by that one refresh, Debounce after the first of them.
func (s *Service) RequestRefresh(ctx context.Context, reason string) error {
	if _, err := s.pool.Exec(ctx, insertRefreshRequestSQL, s.now(), reason); err != nil {
		return fmt.Errorf("queue a refresh request: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// pending reports whether requests wait for a refresh, here or on another
// replica. A failure to tell is logged and reported as none: the next
// check asks again.
func (s *Service) pending(ctx context.Context) bool {
	var some bool
	if err := s.pool.QueryRow(ctx, pendingRequestsSQL).Scan(&some); err != nil {
		if ctx.Err() == nil {
			s.log.Error("look for refresh requests", "error", err)
		}
		return false
	}
	return some
}

// served forgets the requests made at or before watermark, which contents
// taken at watermark serve, through db (the pool, or the transaction that
// records the watermark). Requests another replica claimed are its own to
// forget.
func (s *Service) served(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, watermark time.Time) error {
	if _, err := db.Exec(ctx, servedRequestsSQL, watermark); err != nil {
		return fmt.Errorf("forget served refresh requests: %w", err)
	}
	return nil
}

// eventRefresh claims the requests no other replica claimed (SKIP LOCKED)
// and serves them with one refresh, and reports whether requests remain
// (made during the refresh, held by another replica, or the lock was
// held elsewhere). The claim holds until the refresh ends: a replica that
// dies meanwhile releases its requests to the others.
func (s *Service) eventRefresh(ctx context.Context) bool {
	if err := s.serveClaimed(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("event-driven refresh", "error", err)
	}
	return s.pending(ctx)
}

// serveClaimed is eventRefresh's claim, refresh and release.
func (s *Service) serveClaimed(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("claim refresh requests: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, claimRequestsSQL)
	if err != nil {
		return fmt.Errorf("claim refresh requests: %w", err)
	}
	var (
		ids    []int64
		at     time.Time
		reason string
		id     int64
		when   time.Time
		why    string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &when, &why}, func() error {
		ids = append(ids, id)
		if when.After(at) {
			at = when
		}
		if reason == "" {
			reason = why
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claim refresh requests: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	res, err := s.refresh(ctx, TriggerEvent, refreshOpts{servedAt: at})
	switch {
	case err != nil && ctx.Err() != nil:
		return nil
	case err != nil:
		// A failed refresh is logged; the requests are dropped rather than
		// retried in a loop, and the scheduled refresh catches up.
		s.log.Error("event-driven refresh failed", "requests", len(ids), "reason", reason, "error", err)
	case res.Skipped == SkipBusy:
		// Another replica is refreshing: keep the requests for the next try.
		return nil
	case res.Refreshed:
		s.log.Info("event-driven refresh", "requests", len(ids), "reason", reason)
	}
	if _, err := tx.Exec(ctx, deleteRequestsSQL, ids); err != nil {
		return fmt.Errorf("forget served refresh requests: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("forget served refresh requests: %w", err)
	}
	return nil
}
