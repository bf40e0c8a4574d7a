package reporting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/jobs"
)

// Run drives the event-driven refreshes until ctx ends, then returns nil.
// Queued refresh requests (RequestRefresh, on any replica, before or after
// a restart) are served by one refresh Config.Debounce after the first of
// them, or after the scheduled check (Job) that finds them; when another
// replica holds the lock, Run tries again a Debounce later unless a
// refresh taken after the requests has run by then. Call it once per
// Service, after SetSources; the scheduled refresh is the host's job.
func (s *Service) Run(ctx context.Context) error {
	var debounce <-chan time.Time
	if s.pending(ctx) {
		debounce = s.cfg.After(s.cfg.Debounce)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			if debounce == nil {
				debounce = s.cfg.After(s.cfg.Debounce)
			}
		case <-debounce:
			debounce = nil
			if s.eventRefresh(ctx) {
				debounce = s.cfg.After(s.cfg.Debounce)
			}
			s.rounds.Add(1)
		}
	}
}

// JobName is the scheduled refresh's job.
const JobName = "host.refresh_reporting_views"

// Job is the scheduled refresh as a host job: every Interval/12 (at most
// every 5 minutes) it checks whether the contents are Interval old, and if
// so refreshes them and checks the rollup for drift; refresh requests it
// finds waiting (queued on a replica that stopped, or on another) wake
// this replica's Run. The scheduler runs each activation on one replica.
func (s *Service) Job() jobs.Job {
	return jobs.Job{
		Name:     JobName,
		Schedule: "@every " + s.checkEvery().String(),
		Summary:  "refresh the universal transactions views once they are NEXUS_MV_REFRESH_INTERVAL old; serve waiting refresh requests",
		// A scheduled refresh that fails is tried again at the next check.
		MaxAttempts: 1,
		Run:         func(ctx context.Context, _ jobs.Run) error { return s.Scheduled(ctx) },
	}
}

// checkEvery is the period of the scheduled check.
func (s *Service) checkEvery() time.Duration {
	return max(time.Second, min(s.cfg.Interval/12, maxCheckEvery))
}

// Scheduled is one scheduled check: it refreshes when the contents are
// Interval old (skipping when another replica holds the lock: that replica
// is refreshing), then checks for drift; and it wakes Run when refresh
// requests wait. Before the first SetSources there is nothing to refresh.
func (s *Service) Scheduled(ctx context.Context) error {
	res, err := s.refresh(ctx, TriggerScheduled, refreshOpts{minAge: s.cfg.Interval})
	switch {
	case errors.Is(err, ErrNotBuilt):
		return nil
	case err != nil:
		return err
	case res.Refreshed:
		s.logDrift(ctx)
	}
	if s.pending(ctx) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
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
