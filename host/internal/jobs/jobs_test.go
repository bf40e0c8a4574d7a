package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

func newScheduler(t *testing.T, pool *pgxpool.Pool, replica string, js ...jobs.Job) *jobs.Scheduler {
	t.Helper()
	s := jobs.New(jobs.Config{Pool: pool, PollInterval: 20 * time.Millisecond, BaseBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond, Replica: replica})
	require.NoError(t, s.Register(context.Background(), js...))
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	t.Cleanup(func() {
		cancel()
		s.Wait()
	})
	return s
}

// due makes job due now.
func due(t *testing.T, pool *pgxpool.Pool, job string) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `UPDATE scheduled_jobs SET next_run_at = now() WHERE name = $1`, job)
	require.NoError(t, err)
}

func status(t *testing.T, s *jobs.Scheduler, name string) jobs.Status {
	t.Helper()
	list, err := s.List(context.Background())
	require.NoError(t, err)
	for _, st := range list {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no job %s in %+v", name, list)
	return jobs.Status{}
}

// TestOnceAcrossReplicas runs two schedulers on one database, as two
// host replicas do: each activation of a job runs once.
func TestOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	var mu sync.Mutex
	ranOn := map[string]int{}
	job := func(replica string) jobs.Job {
		return jobs.Job{Name: "host.test_once", Schedule: "@every 1h", Run: func(context.Context, jobs.Run) error {
			mu.Lock()
			ranOn[replica]++
			mu.Unlock()
			time.Sleep(30 * time.Millisecond) // long enough for the other replica to poll meanwhile
			return nil
		}}
	}
	a := newScheduler(t, pool, "a", job("a"))
	newScheduler(t, pool, "b", job("b"))
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		return ranOn["a"] + ranOn["b"]
	}
	const rounds = 8
	for i := 1; i <= rounds; i++ {
		due(t, pool, "host.test_once")
		require.Eventually(t, func() bool { return status(t, a, "host.test_once").Runs == int64(i) }, 5*time.Second, 10*time.Millisecond)
		time.Sleep(100 * time.Millisecond) // five more polls of each replica
		require.Equal(t, i, total(), "round %d ran once", i)
	}
	st := status(t, a, "host.test_once")
	require.True(t, st.NextRunAt.After(time.Now().Add(50*time.Minute)), "the next run is an hour on: %s", st.NextRunAt)
	require.Nil(t, st.LastError)
	require.False(t, st.Running)
	t.Logf("runs per replica: %v", ranOn)
}

func TestRetriesTimeoutsAndErrors(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	var flaky atomic.Int32
	s := newScheduler(t, pool, "a",
		jobs.Job{Name: "host.flaky", Schedule: "@every 1h", MaxAttempts: 3, Run: func(_ context.Context, r jobs.Run) error {
			flaky.Add(1)
			if r.Attempt < 3 {
				return errors.New("not yet")
			}
			return nil
		}},
		jobs.Job{Name: "host.broken", Schedule: "@every 1h", MaxAttempts: 2, Run: func(context.Context, jobs.Run) error {
			return errors.New("the service is down")
		}},
		jobs.Job{Name: "host.slow", Schedule: "@every 1h", MaxAttempts: 1, Timeout: 50 * time.Millisecond,
			Run: func(ctx context.Context, _ jobs.Run) error {
				<-ctx.Done()
				return ctx.Err()
			}},
		jobs.Job{Name: "host.panics", Schedule: "@every 1h", MaxAttempts: 1, Run: func(context.Context, jobs.Run) error {
			panic("boom")
		}},
	)
	for _, name := range []string{"host.flaky", "host.broken", "host.slow", "host.panics"} {
		due(t, pool, name)
	}
	require.Eventually(t, func() bool {
		for _, name := range []string{"host.flaky", "host.broken", "host.slow", "host.panics"} {
			if status(t, s, name).Runs != 1 {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)

	flakySt := status(t, s, "host.flaky")
	require.Nil(t, flakySt.LastError, "the third attempt succeeded")
	require.Equal(t, 3, *flakySt.LastAttempts)
	require.EqualValues(t, 3, flaky.Load())
	require.Zero(t, flakySt.Failures)

	broken := status(t, s, "host.broken")
	require.NotNil(t, broken.LastError)
	require.Contains(t, *broken.LastError, "the service is down")
	require.Equal(t, 2, *broken.LastAttempts)
	require.EqualValues(t, 1, broken.Failures)
	require.NotNil(t, broken.LastDurationMS)

	slow := status(t, s, "host.slow")
	require.NotNil(t, slow.LastError)
	require.Contains(t, *slow.LastError, "deadline exceeded")
	require.GreaterOrEqual(t, *slow.LastDurationMS, int64(50))

	require.Contains(t, *status(t, s, "host.panics").LastError, "panic: boom")
}

func TestPerCompanyAndTrigger(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	companies := []uuid.UUID{uuid.New(), uuid.New()}
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	s := newScheduler(t, pool, "a", jobs.Job{
		Name: "probe.per_company", Schedule: "0 3 * * *", Summary: "nightly",
		Companies: func(context.Context) ([]uuid.UUID, error) { return companies, nil },
		Run: func(_ context.Context, r jobs.Run) error {
			mu.Lock()
			seen[r.CompanyID]++
			mu.Unlock()
			if r.CompanyID == companies[1] {
				return errors.New("this company's credentials are wrong")
			}
			return nil
		},
	})
	before := status(t, s, "probe.per_company")
	require.True(t, before.PerCompany)
	require.Equal(t, "nightly", before.Summary)
	require.Nil(t, before.LastRunAt)

	require.NoError(t, s.Trigger(context.Background(), "probe.per_company"))
	require.Eventually(t, func() bool { return status(t, s, "probe.per_company").Runs == 1 }, 10*time.Second, 20*time.Millisecond)
	after := status(t, s, "probe.per_company")
	require.Equal(t, map[uuid.UUID]int{companies[0]: 1, companies[1]: 3}, seen, "each company's attempts are its own")
	require.Contains(t, *after.LastError, companies[1].String())
	require.NotContains(t, *after.LastError, companies[0].String())
	require.True(t, after.NextRunAt.Equal(before.NextRunAt), "a manual run keeps the schedule")

	require.ErrorIs(t, s.Trigger(context.Background(), "probe.nope"), jobs.ErrNotFound)
}

func TestTriggerRefusesARunningJob(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	release := make(chan struct{})
	s := newScheduler(t, pool, "a", jobs.Job{Name: "host.long", Schedule: "@every 1h", Run: func(ctx context.Context, _ jobs.Run) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}})
	require.NoError(t, s.Trigger(context.Background(), "host.long"))
	require.True(t, status(t, s, "host.long").Running)
	require.ErrorIs(t, s.Trigger(context.Background(), "host.long"), jobs.ErrRunning)
	close(release)
	require.Eventually(t, func() bool { return !status(t, s, "host.long").Running }, 5*time.Second, 20*time.Millisecond)
	require.NoError(t, s.Trigger(context.Background(), "host.long"))
}
