package reporting

import (
	"context"
	"errors"
	"time"
)

// Run drives the scheduled and event-driven refreshes until ctx ends, then
// returns nil. It checks at once and then every Interval/12 (at most every
// 5 minutes) whether the contents are Interval old, and if so refreshes
// (skipping when another replica holds the lock: that replica is
// refreshing) and then checks the rollup for drift. RequestRefresh calls
// are served by one refresh Config.Debounce after the first of them; when
// another replica holds the lock, Run tries again a Debounce later unless
// a refresh taken after the requests has run by then. Call it once per
// Service, after SetSources.
func (s *Service) Run(ctx context.Context) error {
	ticker := s.cfg.NewTicker(s.checkEvery())
	defer ticker.Stop()
	s.scheduled(ctx)
	var debounce <-chan time.Time
	if s.pending() {
		debounce = s.cfg.After(s.cfg.Debounce)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C():
			s.scheduled(ctx)
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
// recorded. It never blocks: requests are coalesced, and Run serves all
// those made before a refresh starts with that one refresh, Debounce after
// the first of them.
func (s *Service) RequestRefresh(reason string) {
	s.mu.Lock()
	s.pendingAt = s.now()
	s.pendingN++
	if s.pendingReason == "" {
		s.pendingReason = reason
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pending reports whether requests wait for a refresh.
func (s *Service) pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.pendingAt.IsZero()
}

// served forgets the requests made at or before watermark, which contents
// taken at watermark serve.
func (s *Service) served(watermark time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pendingAt.IsZero() && !s.pendingAt.After(watermark) {
		s.pendingAt, s.pendingN, s.pendingReason = time.Time{}, 0, ""
	}
}

// eventRefresh serves the pending requests and reports whether some remain
// (made during the refresh, or the lock was held elsewhere).
func (s *Service) eventRefresh(ctx context.Context) bool {
	s.mu.Lock()
	at, n, reason := s.pendingAt, s.pendingN, s.pendingReason
	s.mu.Unlock()
	if at.IsZero() {
		return false
	}
	res, err := s.refresh(ctx, TriggerEvent, refreshOpts{servedAt: at})
	if err != nil {
		if ctx.Err() == nil {
			// A failed refresh is logged; the requests are dropped rather
			// than retried in a loop, and the scheduled refresh catches up.
			s.log.Error("event-driven refresh failed", "requests", n, "reason", reason, "error", err)
			s.served(at)
		}
		return s.pending()
	}
	if res.Refreshed {
		s.log.Info("event-driven refresh", "requests", n, "reason", reason)
	}
	return s.pending()
}
