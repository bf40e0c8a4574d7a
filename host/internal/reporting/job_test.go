package reporting

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/jobs"
)

// TestScheduledCheckServesOtherReplicasRequests: a request queued on a
// replica that never serves it (it stopped, or its Run is busy) is found
// by the scheduled check of another, which wakes its own Run.
func TestScheduledCheckServesOtherReplicasRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	e.run()
	other := e.newService(e.pool, nil)
	e.clock.Advance(time.Second)
	require.NoError(t, other.RequestRefresh(t.Context(), "big sale"))
	require.Zero(t, e.after.armed.Load(), "this replica's Run was not told")

	e.check()
	e.armedTo(1)
	e.fire()
	require.Equal(t, 1, e.logCount(TriggerEvent, true))
	require.False(t, e.svc.pending(t.Context()))
}

// TestRefreshJobOnceAcrossReplicas runs the refresh job of two replicas
// (two Services, each with its own scheduler) on one database: each
// activation runs on one of them and refreshes once, and the job lists
// with its next run.
func TestRefreshJobOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Interval = time.Hour })
	e.seedTwoCompanies()
	e.setSources()
	var (
		mu    sync.Mutex
		ranOn = map[string]int{}
	)
	replica := func(name string, svc *Service) *jobs.Scheduler {
		j := svc.Job()
		inner := j.Run
		j.Run = func(ctx context.Context, r jobs.Run) error {
			mu.Lock()
			ranOn[name]++
			mu.Unlock()
			return inner(ctx, r)
		}
		s := jobs.New(jobs.Config{Pool: e.pool, PollInterval: 10 * time.Millisecond, Replica: name})
		require.NoError(t, s.Register(t.Context(), j))
		ctx, cancel := context.WithCancel(context.Background())
		s.Start(ctx)
		t.Cleanup(func() {
			cancel()
			s.Wait()
		})
		return s
	}
	a := replica("a", e.svc)
	b := e.newService(e.pool, nil)
	e.setSourcesOf(b)
	replica("b", b)
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		return ranOn["a"] + ranOn["b"]
	}
	runs := func() int64 {
		list, err := a.List(t.Context())
		require.NoError(t, err)
		for _, st := range list {
			if st.Name == JobName {
				require.Nil(t, st.LastError)
				return st.Runs
			}
		}
		t.Fatalf("no job %s in %+v", JobName, list)
		return 0
	}

	const rounds = 4
	for i := 1; i <= rounds; i++ {
		e.clock.Advance(time.Hour) // the contents are an interval old
		_, err := e.pool.Exec(t.Context(), `UPDATE scheduled_jobs SET next_run_at = now() WHERE name = $1`, JobName)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return runs() == int64(i) }, 30*time.Second, 5*time.Millisecond)
		require.Equal(t, i, total(), "round %d ran on one replica", i)
		require.Equal(t, i, e.logCount(TriggerScheduled, true), "round %d refreshed once", i)
	}
	list, err := a.List(t.Context())
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "@every 5m0s", list[0].Schedule, "an interval of an hour is checked every 5 minutes")
	require.True(t, list[0].NextRunAt.After(time.Now().Add(4*time.Minute)), "next run: %s", list[0].NextRunAt)
	t.Logf("runs per replica: %v", ranOn)
}
