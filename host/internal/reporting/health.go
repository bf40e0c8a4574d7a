package reporting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Freshness states of Health.Status.
const (
	StatusFresh          = "fresh"
	StatusStale          = "stale"
	StatusNeverRefreshed = "never_refreshed"
)

// Health is the freshness of the views.
type Health struct {
	// Status is StatusFresh when the contents are younger than the SLA,
	// StatusStale otherwise, StatusNeverRefreshed before the first build.
	Status string `json:"status"`
	// LastRefreshAt is the watermark of the current contents (when their
	// snapshot was taken) and FinishedAt when that refresh committed.
	LastRefreshAt *time.Time `json:"last_refresh_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	AgeSeconds    float64    `json:"age_seconds"`
	SLASeconds    float64    `json:"sla_seconds"`
	Rows          int64      `json:"rows"`
	Sources       []string   `json:"sources"`
	// Refreshing reports a refresh in progress on some replica.
	Refreshing bool `json:"refreshing"`
	// LastError is the latest failed refresh, if any ever failed; it is
	// behind the current contents when At is before LastRefreshAt.
	LastError *RefreshError `json:"last_error"`
}

// RefreshError is a failed refresh.
type RefreshError struct {
	Trigger Trigger   `json:"trigger"`
	At      time.Time `json:"at"`
	Error   string    `json:"error,omitempty"`
}

// Health reports the age of the last successful refresh against
// Config.SLA, whether a refresh is running and the last failure.
func (s *Service) Health(ctx context.Context) (Health, error) {
	h := Health{Status: StatusNeverRefreshed, SLASeconds: s.cfg.SLA.Seconds(), Sources: []string{}}
	st, ok, err := readState(ctx, s.pool)
	if err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if ok {
		age := s.now().Sub(st.watermark)
		h.LastRefreshAt, h.FinishedAt = &st.watermark, &st.refreshedAt
		h.AgeSeconds, h.Rows, h.Sources = age.Seconds(), st.rows, st.sources
		h.Status = StatusFresh
		if age > s.cfg.SLA {
			h.Status = StatusStale
		}
	}
	if err := s.pool.QueryRow(ctx, lockHeldSQL, int64(uint32(s.lockA)), int64(uint32(s.lockB))).Scan(&h.Refreshing); err != nil {
		return h, fmt.Errorf("health: look for a refresh in progress: %w", err)
	}
	var last RefreshError
	err = s.pool.QueryRow(ctx, lastFailureSQL).Scan(&last.Trigger, &last.At, &last.Error)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return h, fmt.Errorf("health: read the last failure: %w", err)
	default:
		h.LastError = &last
	}
	return h, nil
}

// TriggerMetrics summarizes the refreshes of one trigger kept in
// mv_refresh_log (Config.LogRetention); durations are of successful ones.
type TriggerMetrics struct {
	Trigger  Trigger `json:"trigger"`
	Count    int64   `json:"count"`
	Failures int64   `json:"failures"`
	P50MS    float64 `json:"p50_ms"`
	P95MS    float64 `json:"p95_ms"`
	MaxMS    float64 `json:"max_ms"`
	// LastAt is when the latest one started.
	LastAt *time.Time `json:"last_at"`
}

// Metrics returns the refresh count, failures and p50/p95 durations per
// trigger, every trigger included.
func (s *Service) Metrics(ctx context.Context) ([]TriggerMetrics, error) {
	rows, err := s.pool.Query(ctx, metricsSQL)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	byTrigger := map[Trigger]TriggerMetrics{}
	var m TriggerMetrics
	_, err = pgx.ForEachRow(rows, []any{&m.Trigger, &m.Count, &m.Failures, &m.P50MS, &m.P95MS, &m.MaxMS, &m.LastAt}, func() error {
		byTrigger[m.Trigger] = m
		m.LastAt = nil // the next row scans into a new time
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	out := make([]TriggerMetrics, len(triggers))
	for i, t := range triggers {
		out[i] = byTrigger[t]
		out[i].Trigger = t
	}
	return out, nil
}
