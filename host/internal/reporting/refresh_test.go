package reporting

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

// holdLock takes the refresh lock on a connection of its own, as another
// replica's refresh would, and returns its release.
func (e *env) holdLock() func() {
	e.t.Helper()
	conn, err := e.pool.Acquire(e.t.Context())
	require.NoError(e.t, err)
	var once sync.Once
	release := func() {
		once.Do(func() {
			// Also called from Cleanup, when the test's context is done.
			if _, err := conn.Exec(context.Background(), unlockSQL, e.svc.lockA, e.svc.lockB); err != nil {
				_ = conn.Conn().Close(context.Background())
			}
			conn.Release()
		})
	}
	e.t.Cleanup(release)
	var ok bool
	require.NoError(e.t, conn.QueryRow(e.t.Context(), tryLockSQL, e.svc.lockA, e.svc.lockB).Scan(&ok))
	require.True(e.t, ok, "the refresh lock is free")
	return release
}

// mvCount counts the rows of the base view.
func (e *env) mvCount() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(), `SELECT count(*) FROM universal_transactions_mv`).Scan(&n))
	return n
}

func TestScheduledRefreshAfterTheInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Interval = time.Hour })
	e.seedTwoCompanies()
	e.setSources()
	e.run()

	e.sale(e.a, local(mexico, 2025, 5, 31, 10, 0), "5.00", "MXN", "completed")
	e.clock.Advance(59 * time.Minute)
	e.check()
	require.Equal(t, 0, e.logCount(TriggerScheduled, true), "not due before the interval")
	require.Equal(t, 14, e.mvCount())

	e.clock.Advance(time.Minute)
	e.check()
	require.Equal(t, 1, e.logCount(TriggerScheduled, true))
	require.Equal(t, 15, e.mvCount())
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.True(t, h.LastRefreshAt.Equal(t0.Add(time.Hour)))

	e.clock.Advance(30 * time.Minute)
	e.check()
	require.Equal(t, 1, e.logCount(TriggerScheduled, true))
}

func TestScheduledRefreshSkipsWhenAnotherReplicaRefreshes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.setSources()
	e.clock.Advance(2 * time.Hour)
	release := e.holdLock()
	res, err := e.svc.refresh(t.Context(), TriggerScheduled, refreshOpts{minAge: time.Hour})
	require.NoError(t, err)
	require.Equal(t, SkipBusy, res.Skipped)
	require.Equal(t, 0, e.logCount(TriggerScheduled, true))
	release()
	res, err = e.svc.refresh(t.Context(), TriggerScheduled, refreshOpts{minAge: time.Hour})
	require.NoError(t, err)
	require.True(t, res.Refreshed)
}

func TestEventRefreshesAreCoalesced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	e.run()
	e.check()

	// Five requests arm one debounce timer and make one refresh.
	e.sale(e.a, local(mexico, 2025, 5, 31, 10, 0), "50000.00", "MXN", "completed")
	e.clock.Advance(time.Second)
	for range 5 {
		require.NoError(t, e.svc.RequestRefresh(t.Context(), "big sale"))
	}
	require.Eventually(t, func() bool { return e.after.armed.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
	e.check()
	require.EqualValues(t, 1, e.after.armed.Load())
	require.Equal(t, 0, e.logCount(TriggerEvent, true), "nothing before the debounce window ends")
	e.fire()
	require.Equal(t, 1, e.logCount(TriggerEvent, true))
	require.Equal(t, 15, e.mvCount())
	require.False(t, e.svc.pending(t.Context()))

	// A request already served by a later refresh (here a manual one)
	// makes none.
	e.clock.Advance(time.Second)
	require.NoError(t, e.svc.RequestRefresh(t.Context(), "big sale"))
	e.clock.Advance(time.Second)
	_, err := e.svc.Refresh(t.Context(), true)
	require.NoError(t, err)
	require.False(t, e.svc.pending(t.Context()))
	e.fire()
	require.Equal(t, 1, e.logCount(TriggerEvent, true))

	// While another replica holds the lock the requests stay queued and
	// the timer is armed again; they are served once it is free.
	e.clock.Advance(time.Second)
	armed := e.after.armed.Load()
	release := e.holdLock()
	require.NoError(t, e.svc.RequestRefresh(t.Context(), "big return"))
	e.fire()
	require.True(t, e.svc.pending(t.Context()))
	require.Equal(t, armed+2, e.after.armed.Load())
	release()
	e.fire()
	require.False(t, e.svc.pending(t.Context()))
	require.Equal(t, 2, e.logCount(TriggerEvent, true))
}

func TestManualRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.LockWait = 500 * time.Millisecond })
	e.seedTwoCompanies()
	e.setSources()

	// Younger than MinAge: skipped without force, run with it.
	res, err := e.svc.Refresh(t.Context(), false)
	require.NoError(t, err)
	require.False(t, res.Refreshed)
	require.Equal(t, SkipRecent, res.Skipped)
	require.True(t, res.LastRefreshAt.Equal(t0))

	code, body := e.call(&admin, http.MethodPost, "/mv/refresh")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, false, body["refreshed"])
	require.Equal(t, SkipRecent, body["skipped"])

	e.sale(e.a, local(mexico, 2025, 5, 31, 10, 0), "5.00", "MXN", "completed")
	code, body = e.call(&admin, http.MethodPost, "/mv/refresh?force=true")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, true, body["refreshed"])
	require.Equal(t, "manual", body["trigger"])
	require.Contains(t, body, "duration_ms")
	require.EqualValues(t, 15, body["rows"])
	require.Equal(t, 1, e.logCount(TriggerManual, true))

	e.clock.Advance(2 * time.Minute)
	res, err = e.svc.Refresh(t.Context(), false)
	require.NoError(t, err)
	require.True(t, res.Refreshed)

	// A manual refresh waits for another replica's refresh...
	release := e.holdLock()
	go func() {
		time.Sleep(200 * time.Millisecond)
		release()
	}()
	res, err = e.svc.Refresh(t.Context(), true)
	require.NoError(t, err)
	require.True(t, res.Refreshed)

	// ...up to LockWait.
	e.holdLock()
	_, err = e.svc.Refresh(t.Context(), true)
	require.ErrorIs(t, err, ErrBusy)
	code, body = e.call(&admin, http.MethodPost, "/mv/refresh?force=1")
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, "refresh_in_progress", errorCode(body))
	require.Equal(t, 3, e.logCount(TriggerManual, true))

	for _, c := range []struct {
		name   string
		caller *auth.Principal
		target string
		status int
		code   string
	}{
		{"viewer", viewerOf(e.a), "/mv/refresh?force=true", http.StatusForbidden, "insufficient_role"},
		{"bad force", &admin, "/mv/refresh?force=maybe", http.StatusBadRequest, "invalid_query"},
		{"unknown parameter", &admin, "/mv/refresh?now=1", http.StatusBadRequest, "invalid_query"},
		{"anonymous", nil, "/mv/refresh", http.StatusUnauthorized, "unauthorized"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := e.call(c.caller, http.MethodPost, c.target)
			require.Equal(t, c.status, code, body)
			require.Equal(t, c.code, errorCode(body))
		})
	}
	require.Equal(t, 3, e.logCount(TriggerManual, true), "refused requests refresh nothing")
}

func TestRefreshBeforeTheFirstBuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.svc.Refresh(t.Context(), true)
	require.ErrorIs(t, err, ErrNotBuilt)
	code, body := e.call(&admin, http.MethodPost, "/mv/refresh?force=true")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "reporting_not_ready", errorCode(body))
	code, body = e.call(viewerOf(e.a), http.MethodGet, "/reports/revenue?from=2025-01-01&to=2025-01-31")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "reporting_not_ready", errorCode(body))
	code, body = e.call(viewerOf(e.a), http.MethodGet, "/mv/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, StatusNeverRefreshed, body["status"])
}

func TestSingleFlightAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.exec(`INSERT INTO tv.sales (company_id, occurred_at, total, currency)
SELECT $1, timestamptz '2025-01-01' + g * interval '1 minute', 10, 'MXN' FROM generate_series(1, 20000) g`, e.a)
	e.setSources()
	replica := e.newService(storetest.OpenPool(t, e.url, false), nil)
	e.clock.Advance(2 * time.Hour)

	for round := range 3 {
		start := make(chan struct{})
		results := make([]Result, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, svc := range []*Service{e.svc, replica} {
			wg.Go(func() {
				<-start
				results[i], errs[i] = svc.refresh(t.Context(), TriggerScheduled, refreshOpts{minAge: time.Hour})
			})
		}
		close(start)
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		require.NotEqual(t, results[0].Refreshed, results[1].Refreshed, "exactly one refreshes: %+v", results)
		skipped := results[0].Skipped + results[1].Skipped
		require.Contains(t, []string{SkipBusy, SkipRecent}, skipped)
		require.Equal(t, round+1, e.logCount(TriggerScheduled, true))
		e.clock.Advance(2 * time.Hour)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Interval = time.Hour })
	e.seedTwoCompanies()
	ctx := t.Context()

	h, err := e.svc.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, StatusNeverRefreshed, h.Status)
	require.Nil(t, h.LastRefreshAt)

	e.setSources()
	h, err = e.svc.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, StatusFresh, h.Status)
	require.Zero(t, h.AgeSeconds)
	require.EqualValues(t, 3600, h.SLASeconds, "the SLA defaults to the interval")
	require.False(t, h.Refreshing)

	// Fresh up to the SLA, stale after.
	e.clock.Advance(time.Hour)
	h, err = e.svc.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, StatusFresh, h.Status)
	e.clock.Advance(time.Second)
	code, body := e.call(viewerOf(e.b), http.MethodGet, "/mv/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, StatusStale, body["status"])
	require.EqualValues(t, 3601, body["age_seconds"])
	require.Nil(t, body["last_error"])

	// A failed refresh is logged and shown; the contents stay.
	e.exec(`ALTER TABLE tv.sales RENAME TO sales_gone`)
	_, err = e.svc.Refresh(ctx, true)
	require.ErrorContains(t, err, "tv.sales")
	e.exec(`ALTER TABLE tv.sales_gone RENAME TO sales`)
	h, err = e.svc.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, StatusStale, h.Status)
	require.NotNil(t, h.LastError)
	require.Equal(t, TriggerManual, h.LastError.Trigger)
	require.Contains(t, h.LastError.Error, "tv.sales")
	require.Equal(t, 14, e.mvCount())
	// Over HTTP only platform admins read the database's message.
	_, body = e.call(viewerOf(e.a), http.MethodGet, "/mv/health")
	require.Equal(t, map[string]any{"trigger": "manual", "at": h.LastError.At.Format(time.RFC3339)}, body["last_error"])
	_, body = e.call(&admin, http.MethodGet, "/mv/health")
	require.Contains(t, body["last_error"].(map[string]any)["error"], "tv.sales")

	for range 3 {
		_, err = e.svc.Refresh(ctx, true)
		require.NoError(t, err)
	}
	h, err = e.svc.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, StatusFresh, h.Status)

	release := e.holdLock()
	h, err = e.svc.Health(ctx)
	require.NoError(t, err)
	require.True(t, h.Refreshing)
	release()

	metrics, err := e.svc.Metrics(ctx)
	require.NoError(t, err)
	require.Len(t, metrics, 4)
	byTrigger := map[Trigger]TriggerMetrics{}
	for _, m := range metrics {
		byTrigger[m.Trigger] = m
	}
	require.EqualValues(t, 3, byTrigger[TriggerManual].Count)
	require.EqualValues(t, 1, byTrigger[TriggerManual].Failures)
	require.EqualValues(t, 1, byTrigger[TriggerRebuild].Count)
	require.Zero(t, byTrigger[TriggerScheduled].Count)
	require.Nil(t, byTrigger[TriggerScheduled].LastAt)
	m := byTrigger[TriggerManual]
	require.GreaterOrEqual(t, m.P95MS, m.P50MS)
	require.GreaterOrEqual(t, m.MaxMS, m.P95MS)
	require.True(t, m.LastAt.Equal(t0.Add(time.Hour+time.Second)))

	code, body = e.call(&admin, http.MethodGet, "/mv/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, body["data"], 4)
	code, body = e.call(viewerOf(e.a), http.MethodGet, "/mv/metrics")
	require.Equal(t, http.StatusForbidden, code)
	require.Equal(t, "platform_admin_required", errorCode(body))
}

func TestRefreshStrategies(t *testing.T) {
	t.Parallel()
	for _, concurrent := range []bool{false, true} {
		t.Run(map[bool]string{false: "swap", true: "concurrently"}[concurrent], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.Concurrent = concurrent })
			e.seedTwoCompanies()
			e.setSources()
			oid := func() uint32 {
				var o uint32
				require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT 'universal_transactions_mv'::regclass::oid`).Scan(&o))
				return o
			}
			before := oid()
			e.sale(e.a, local(mexico, 2025, 3, 1, 12, 0), "1.00", "MXN", "completed")
			res, err := e.svc.Refresh(t.Context(), true)
			require.NoError(t, err)
			require.EqualValues(t, 15, res.Rows)
			require.Equal(t, 15, e.mvCount())
			require.Equal(t, concurrent, before == oid(), "concurrently refreshes in place, swap replaces the view")
			rep, err := e.svc.Revenue(t.Context(), e.a, RevenueQuery{From: date(2025, 3, 1), To: date(2025, 3, 1), GroupBy: GroupByDay})
			require.NoError(t, err)
			require.Equal(t, []RevenueRow{{Key: "2025-03-01", Currency: "MXN", Amount: "151.25", Count: 3}}, rep.Data)
		})
	}
}

// date is a civil date.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestJobLockSkipsARefreshAnotherReplicaRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.setSources()
	locker := locks.NewMemory()
	lk, err := locker.For(cache.Scope{Vertical: cache.HostVertical})
	require.NoError(t, err)
	svc := e.newService(e.svc.pool, func(c *Config) { c.Locker = lk })
	e.clock.Advance(2 * time.Hour)

	held, err := lk.Acquire(t.Context(), "reporting:refresh", time.Minute, 0)
	require.NoError(t, err)
	res, err := svc.refresh(t.Context(), TriggerScheduled, refreshOpts{minAge: time.Hour})
	require.NoError(t, err)
	require.Equal(t, SkipBusy, res.Skipped, "the job lock is held by another replica")

	require.NoError(t, held.Release(t.Context()))
	res, err = svc.refresh(t.Context(), TriggerScheduled, refreshOpts{minAge: time.Hour})
	require.NoError(t, err)
	require.True(t, res.Refreshed)
}

// TestRefreshRequestsSurviveRestart queues requests on a host that stops
// before serving them: the next host (here a new Service on the same
// database) finds them when it starts and serves them with one refresh.
func TestRefreshRequestsSurviveRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	e.clock.Advance(time.Second)
	for range 3 {
		require.NoError(t, e.svc.RequestRefresh(t.Context(), "big sale"))
	}
	// The first host stops without ever running Run.
	e.svc = e.newService(e.pool, nil)
	e.setSourcesOf(e.svc)
	require.True(t, e.svc.pending(t.Context()), "the requests are stored")
	armed := e.after.armed.Load()
	e.run()
	e.armedTo(armed + 1) // the restarted host arms the debounce timer for the stored requests
	e.fire()
	require.Equal(t, 1, e.logCount(TriggerEvent, true), "one refresh serves the three requests")
	require.False(t, e.svc.pending(t.Context()))
}

// TestRefreshRequestsClaimedOnce: requests a replica has claimed (its
// refresh is under way) are skipped by the others (SKIP LOCKED); a replica
// that finds requests at its scheduled check serves them.
func TestRefreshRequestsClaimedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	e.clock.Advance(time.Second)
	require.NoError(t, e.svc.RequestRefresh(t.Context(), "big sale"))

	// Another replica claims the request and has not finished.
	tx, err := e.pool.Begin(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	var claimed int
	require.NoError(t, tx.QueryRow(t.Context(), `SELECT count(*) FROM (`+claimRequestsSQL+`) c`).Scan(&claimed))
	require.Equal(t, 1, claimed)

	require.True(t, e.svc.eventRefresh(t.Context()), "the claimed request still waits")
	require.Equal(t, 0, e.logCount(TriggerEvent, true), "this replica does not serve a claimed request")

	// The other replica dies: its claim ends and the request is this one's.
	require.NoError(t, tx.Rollback(t.Context()))
	armed := e.after.armed.Load()
	e.run()
	e.armedTo(armed + 1) // Run finds the request
	e.fire()
	require.Equal(t, 1, e.logCount(TriggerEvent, true))
	require.False(t, e.svc.pending(t.Context()))
}
