package cache_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/dal"
)

// syncLog is a log sink safe for concurrent writes.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// journaled is one host process's cache: a Redis backend through url with
// a running Monitor and journal; stop ends them, as a host stopping does.
func journaled(t *testing.T, url string, use func(*cache.Redis)) (*cache.Monitor, *cache.Redis, *syncLog, func()) {
	t.Helper()
	client, err := cache.NewClient(url)
	require.NoError(t, err)
	log := &syncLog{}
	logger := hclog.New(&hclog.LoggerOptions{Output: log, Level: hclog.Debug})
	mon := cache.NewMonitor(client, 50*time.Millisecond, logger)
	b := cache.NewRedis(client, mon, logger)
	use(b)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); mon.Run(ctx) }()
	go func() { defer wg.Done(); b.RunJournal(ctx) }()
	stop := func() { cancel(); wg.Wait(); _ = client.Close() }
	t.Cleanup(stop)
	return mon, b, log, stop
}

// TestInvalidationsSurviveARestartDuringAnOutage replays the fault: Redis
// is unreachable (its data intact), a price changes, the host restarts,
// Redis comes back. The invalidation, journaled in the change's
// transaction, is applied before the new process reads the cache, so the
// old price is never served again; the outage is warned about once.
func TestInvalidationsSurviveARestartDuringAnOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.NewPool(t)
	srv := redistest.StartServer(t)
	proxy := redistest.StartProxy(t, "127.0.0.1:"+strconv.Itoa(srv.Port))
	mon1, b1, log1, stop1 := journaled(t, proxy.URL, func(r *cache.Redis) { r.UseJournal(pool) })
	waitHealthy(t, mon1, true)

	company := uuid.New()
	scope := cache.Scope{Vertical: "t" + strings.ToLower(uuid.NewString()[:8]), CompanyID: company}
	price := "old price"
	scan := func(c cache.Cache) string {
		v, err := c.GetOrLoad(ctx, "scan:1", time.Hour, []string{"product:1"}, func(context.Context) ([]byte, error) {
			return []byte(price), nil
		})
		require.NoError(t, err)
		return string(v)
	}
	c1, err := b1.For(scope)
	require.NoError(t, err)
	require.Equal(t, "old price", scan(c1))
	price = "new price"
	require.Equal(t, "old price", scan(c1), "served from redis")

	proxy.Stop()
	waitHealthy(t, mon1, false)
	// The price changes in a unit of work, as a vertical's request does.
	for i := range 20 {
		unit := dal.NewTenantUnit(pool, company, "public")
		inv := cache.NewInvalidator(nil)
		unit.AfterCommit(inv.AfterCommit(ctx))
		require.NoError(t, inv.Wrap(c1).InvalidateTags(ctx, "product:1"))
		b := &pgx.Batch{}
		require.True(t, inv.Journal(b), "a Redis backend with a journal journals")
		require.NoError(t, unit.Run(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() }), "write %d", i)
		require.NoError(t, unit.Finish(ctx, true))
	}
	// And once outside a unit (the host's own invalidations).
	require.NoError(t, c1.Delete(ctx, "scan:1"))
	require.Equal(t, "new price", scan(c1), "bypassed while redis is down")
	require.Equal(t, 0, b1.Pending(), "nothing waits in process")
	require.Equal(t, 1, strings.Count(log1.String(), "[WARN]  cache invalidation deferred"), log1.String())
	var rows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cache_invalidations`).Scan(&rows))
	require.Equal(t, 21, rows, "every invalidation is in the journal")

	stop1() // the host restarts during the outage
	proxy.Start(t)
	mon2, b2, _, _ := journaled(t, proxy.URL, func(r *cache.Redis) { r.UseJournal(pool) })
	waitHealthy(t, mon2, true)
	c2, err := b2.For(scope)
	require.NoError(t, err)
	require.Equal(t, "new price", scan(c2), "the old price must not survive the restart")
	require.Equal(t, "new price", scan(c2))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cache_invalidations`).Scan(&rows))
	require.Zero(t, rows, "the journal is drained")
}

// TestJournalRowsAreDeletedOnceApplied checks the healthy path: a journaled
// invalidation is applied after the commit and its row deleted.
func TestJournalRowsAreDeletedOnceApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.NewPool(t)
	srv := redistest.StartServer(t)
	mon, b, _, _ := journaled(t, srv.URL, func(r *cache.Redis) { r.UseJournal(pool) })
	waitHealthy(t, mon, true)
	company := uuid.New()
	c, err := b.For(cache.Scope{Vertical: "journal", CompanyID: company})
	require.NoError(t, err)
	require.NoError(t, c.Set(ctx, "k", []byte("v"), time.Hour, "t"))
	unit := dal.NewTenantUnit(pool, company, "public")
	inv := cache.NewInvalidator(nil)
	unit.AfterCommit(inv.AfterCommit(ctx))
	require.NoError(t, inv.Wrap(c).InvalidateTags(ctx, "t"))
	batch := &pgx.Batch{}
	require.True(t, inv.Journal(batch))
	require.NoError(t, unit.Run(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, batch).Close() }))
	require.NoError(t, unit.Finish(ctx, true))
	_, found, err := c.Get(ctx, "k")
	require.NoError(t, err)
	require.False(t, found, "invalidated after the commit")
	require.Eventually(t, func() bool {
		var rows int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cache_invalidations`).Scan(&rows))
		return rows == 0
	}, 5*time.Second, 50*time.Millisecond, "the applied row is deleted")
}

// TestJournalRowsAreTenantData checks that a company can neither see nor
// delete another company's journal rows.
func TestJournalRowsAreTenantData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.NewPool(t)
	a, b := uuid.New(), uuid.New()
	_, err := pool.Exec(ctx, `INSERT INTO cache_invalidations (id, company_id, delete_names) VALUES ($1, $2, '{x}')`, uuid.New(), a)
	require.NoError(t, err)
	unit := dal.NewTenantUnit(pool, b, "public")
	require.NoError(t, unit.Run(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM public.cache_invalidations`).Scan(&n); err != nil {
			return err
		}
		require.Zero(t, n, "another company's rows are invisible")
		tag, err := tx.Exec(ctx, `DELETE FROM public.cache_invalidations`)
		require.Zero(t, tag.RowsAffected(), "and cannot be deleted")
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO public.cache_invalidations (id, company_id) VALUES ($1, $2)`, uuid.New(), a)
		require.Error(t, err, "nor written for another company")
		return nil
	}))
	_ = unit.Finish(ctx, false)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cache_invalidations WHERE company_id = $1`, a).Scan(&n))
	require.Equal(t, 1, n)
}
