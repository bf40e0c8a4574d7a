package reporting

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/internal/sqlsource"
)

// Defaults of Config.
const (
	DefaultInterval     = time.Hour
	DefaultDebounce     = 30 * time.Second
	DefaultMinAge       = time.Minute
	DefaultLockWait     = 2 * time.Minute
	DefaultDriftDays    = 31
	DefaultLogRetention = 30 * 24 * time.Hour
	// DefaultCompanyRefreshEvery: a company may ask for one refresh a
	// minute.
	DefaultCompanyRefreshEvery = time.Minute
	defaultBigTransaction      = 10000
	// maxCheckEvery bounds how late a scheduled refresh may start after it
	// falls due.
	maxCheckEvery = 5 * time.Minute
	// lockPoll is how often a waiting refresh retries the advisory lock.
	lockPoll = 100 * time.Millisecond
	// companyTTL is how long a company's time zone and threshold are
	// cached.
	companyTTL = time.Minute
)

// Config configures a Service. Zero fields take the defaults documented on
// each.
type Config struct {
	// Pool is the host's privileged pool (superuser or BYPASSRLS): the
	// views are built from every company's rows and read only through it.
	Pool *pgxpool.Pool
	// Log receives refresh outcomes and drift; nil discards them.
	Log hclog.Logger
	// Interval is the scheduled refresh period (DefaultInterval): the job
	// (Job) refreshes when the current contents are that old, checking
	// every Interval/12 (at most every 5 minutes).
	Interval time.Duration
	// SLA is the age past which Health reports the views stale
	// (Interval).
	SLA time.Duration
	// Debounce is how long RequestRefresh waits for more requests before
	// the one refresh that serves them all (DefaultDebounce).
	Debounce time.Duration
	// MinAge is the age under which a manual refresh without force is
	// skipped (DefaultMinAge).
	MinAge time.Duration
	// LockWait bounds how long a manual refresh or a rebuild waits for
	// another replica's refresh to finish (DefaultLockWait).
	LockWait time.Duration
	// Concurrent refreshes the views in place with REFRESH MATERIALIZED
	// VIEW CONCURRENTLY instead of building them afresh and swapping them
	// in. It rewrites no catalog entries but diffs every row, so it is
	// several times slower on large views. Rebuilds always swap.
	Concurrent bool
	// RollupTypes are the transaction types kept in revenue_rollup besides
	// those of Rules, e.g. InvoicesType when the invoices service calls
	// InvoiceStored and InvoiceCancelled. The revenue API answers them from
	// the rollup from the watermark's day on; list a type only once
	// whatever keeps it runs.
	RollupTypes []string
	// Rules say which event topics move the rollup, and how (ApplyEvents);
	// their types are rollup types. One rule a topic.
	Rules []RollupRule
	// BigTransaction is the big-transaction threshold of companies whose
	// enabled verticals set no big_transaction_threshold (10000).
	BigTransaction decimal.Decimal
	// DriftDays is how many of the latest fully covered days CheckDrift
	// compares (DefaultDriftDays).
	DriftDays int
	// LogRetention is how long mv_refresh_log rows are kept
	// (DefaultLogRetention).
	LogRetention time.Duration
	// Limiter keeps a company's owners and admins to one refresh through
	// the API every CompanyRefreshEvery (platform admins are not limited).
	// Production passes the host's Redis-backed limiter, so the bound
	// holds across replicas; nil is an in-memory limiter of this process.
	Limiter ratelimit.Limiter
	// CompanyRefreshEvery is how often a company may ask for a refresh
	// (DefaultCompanyRefreshEvery).
	CompanyRefreshEvery time.Duration
	// Locker, when set (Redis in production), lets replicas skip a refresh
	// another one is running before touching the database; the advisory
	// lock remains the guarantee.
	Locker locks.Locker
	// Observe, when set, is told every refresh's trigger, duration and
	// error (the host's metrics).
	Observe func(trigger string, took time.Duration, err error)
	// Now is the clock (time.Now).
	Now func() time.Time
	// After makes the debounce timer (time.After).
	After func(time.Duration) <-chan time.Time
}

// Trigger says what started a refresh.
type Trigger string

// Triggers of mv_refresh_log.
const (
	TriggerScheduled Trigger = "scheduled"
	TriggerEvent     Trigger = "event"
	TriggerManual    Trigger = "manual"
	TriggerRebuild   Trigger = "rebuild"
)

// triggers lists every trigger, in reporting order.
var triggers = []Trigger{TriggerScheduled, TriggerEvent, TriggerManual, TriggerRebuild}

// Reasons a refresh was skipped (Result.Skipped).
const (
	// SkipBusy: another refresh (possibly on another replica) held the lock.
	SkipBusy = "busy"
	// SkipRecent: the contents were younger than the minimum age.
	SkipRecent = "recent"
	// SkipFresh: a refresh taken after the requests it would serve had
	// already run.
	SkipFresh = "fresh"
)

// Result is the outcome of one refresh attempt.
type Result struct {
	Trigger   Trigger `json:"trigger"`
	Refreshed bool    `json:"refreshed"`
	// Skipped says why nothing ran (SkipBusy, SkipRecent, SkipFresh).
	Skipped string `json:"skipped,omitempty"`
	// StartedAt is the watermark of the new contents when Refreshed.
	StartedAt  time.Time `json:"started_at,omitzero"`
	DurationMS int64     `json:"duration_ms"`
	Rows       int64     `json:"rows"`
	// LastRefreshAt is the watermark of the contents that stay current
	// when the refresh was skipped, and AgeSeconds their age.
	LastRefreshAt time.Time `json:"last_refresh_at,omitzero"`
	AgeSeconds    float64   `json:"age_seconds,omitempty"`
}

// Service builds and refreshes the views, answers the revenue API and keeps
// the rollup. Its methods are safe for concurrent use.
type Service struct {
	cfg   Config
	pool  *pgxpool.Pool
	log   hclog.Logger
	lockA int32
	lockB int32
	wake  chan struct{}
	// rounds counts the event-driven rounds Run has finished.
	rounds  atomic.Int64
	mu      sync.Mutex
	sources map[string]string
	// invalid are the sources SetSources refused, with why.
	invalid   map[string]string
	companies map[uuid.UUID]companyInfo
	// rules are Config.Rules by topic.
	rules map[string]RollupRule
}

// New returns a Service. It does not touch the database: call SetSources,
// then Run.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil {
		return nil, errors.New("reporting: Config.Pool is required")
	}
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.Interval, DefaultInterval}, {&cfg.Debounce, DefaultDebounce}, {&cfg.MinAge, DefaultMinAge},
		{&cfg.LockWait, DefaultLockWait}, {&cfg.LogRetention, DefaultLogRetention},
		{&cfg.CompanyRefreshEvery, DefaultCompanyRefreshEvery},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("reporting: negative duration %s in Config", *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.SLA <= 0 {
		cfg.SLA = cfg.Interval
	}
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory()
	}
	if cfg.DriftDays <= 0 {
		cfg.DriftDays = DefaultDriftDays
	}
	if cfg.BigTransaction.Sign() <= 0 {
		cfg.BigTransaction = decimal.NewFromInt(defaultBigTransaction)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	rules, err := ruleMap(cfg.Rules)
	if err != nil {
		return nil, err
	}
	types := append([]string{}, cfg.RollupTypes...)
	for _, r := range cfg.Rules {
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	cfg.RollupTypes = types
	return &Service{
		cfg:       cfg,
		pool:      cfg.Pool,
		log:       cfg.Log,
		lockA:     lockKey("nexus"),
		lockB:     lockKey("reporting.universal_transactions"),
		wake:      make(chan struct{}, 1),
		sources:   map[string]string{},
		companies: map[uuid.UUID]companyInfo{},
		rules:     rules,
	}, nil
}

// ruleMap checks rules and indexes them by topic.
func ruleMap(rules []RollupRule) (map[string]RollupRule, error) {
	out := make(map[string]RollupRule, len(rules))
	for _, r := range rules {
		if r.Topic == "" || r.Source == "" || r.Type == "" || r.Key == "" {
			return nil, fmt.Errorf("reporting: rollup rule %+v: topic, source, type and key are required", r)
		}
		if _, dup := out[r.Topic]; dup {
			return nil, fmt.Errorf("reporting: two rollup rules for topic %s", r.Topic)
		}
		out[r.Topic] = r
	}
	return out, nil
}

// lockKey derives a stable int4 advisory-lock key from name.
func lockKey(name string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return int32(h.Sum32())
}

// now is the service's clock.
func (s *Service) now() time.Time { return s.cfg.Now() }

// state is the reporting_state row.
type state struct {
	hash        string
	sources     []string
	definition  string
	watermark   time.Time
	refreshedAt time.Time
	rows        int64
}

// readState returns the reporting_state row; ok is false before the first
// build.
func readState(ctx context.Context, db pgxQuerier) (st state, ok bool, err error) {
	err = db.QueryRow(ctx, stateSQL).Scan(&st.hash, &st.sources, &st.definition, &st.watermark, &st.refreshedAt, &st.rows)
	if errors.Is(err, pgx.ErrNoRows) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, fmt.Errorf("read reporting_state: %w", err)
	}
	return st, true, nil
}

// pgxQuerier is what readState needs; pools, connections and
// transactions satisfy it.
type pgxQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// SetSources validates sources (the installed verticals' universal SQL;
// InvoicesSource is always added) and rebuilds the views when the set of
// valid sources differs from the one they were built from, or when they do
// not exist. A rebuild takes the refresh lock, waiting up to
// Config.LockWait for a refresh in progress. Invalid sources are left out
// of the views and reported in an *InvalidSourcesError; the views are
// still built from the others.
func (s *Service) SetSources(ctx context.Context, sources []Source) error {
	named, bad := checkNames(append([]Source{InvoicesSource}, sources...))
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("set sources: acquire connection: %w", err)
	}
	defer conn.Release()
	valid := make([]Source, 0, len(named))
	for _, src := range named {
		src.SQL = sqlsource.Trim(src.SQL)
		if reason := sqlsource.Problem(ctx, conn, src.SQL, sourceColumns); reason != "" {
			bad = append(bad, SourceError{Source: src.Name, Reason: reason})
			continue
		}
		valid = append(valid, src)
	}
	s.mu.Lock()
	s.sources = make(map[string]string, len(valid))
	for _, src := range valid {
		s.sources[src.Name] = src.SQL
	}
	s.invalid = make(map[string]string, len(bad))
	for _, b := range bad {
		s.invalid[b.Source] = b.Reason
	}
	s.mu.Unlock()

	spec := buildSpec{hash: sourcesHash(valid), sources: sourceNames(valid), definition: definition(valid)}
	current, err := s.builtFrom(ctx, conn)
	if err != nil {
		return fmt.Errorf("set sources: %w", err)
	}
	if current != spec.hash {
		if err := s.rebuild(ctx, conn, spec); err != nil {
			return fmt.Errorf("set sources: %w", err)
		}
	}
	if len(bad) > 0 {
		return &InvalidSourcesError{Sources: bad}
	}
	return nil
}

// builtFrom returns the hash of the sources the views were built from, or
// "" when they do not exist.
func (s *Service) builtFrom(ctx context.Context, conn *pgxpool.Conn) (string, error) {
	var exists bool
	if err := conn.QueryRow(ctx, viewsExistSQL).Scan(&exists); err != nil {
		return "", fmt.Errorf("look for the views: %w", err)
	}
	st, ok, err := readState(ctx, conn)
	if err != nil || !ok || !exists {
		return "", err
	}
	return st.hash, nil
}

// rebuild builds the views from spec under the refresh lock, unless
// another replica did while this one waited for it.
func (s *Service) rebuild(ctx context.Context, conn *pgxpool.Conn, spec buildSpec) error {
	locked, err := s.lock(ctx, conn, s.cfg.LockWait)
	if err != nil {
		return err
	}
	if !locked {
		return fmt.Errorf("rebuild: %w", ErrBusy)
	}
	defer s.unlock(ctx, conn)
	current, err := s.builtFrom(ctx, conn)
	if err != nil || current == spec.hash {
		return err
	}
	s.log.Info("rebuilding universal transactions", "sources", spec.sources)
	_, err = s.buildOrLeaveOut(ctx, conn, TriggerRebuild, spec)
	return err
}

// DropViews drops the views and the functions that read them, under the
// refresh lock (waiting up to Config.LockWait). Call it before migrating
// down or dropping a table a source reads: PostgreSQL refuses to drop or
// retype a column a materialized view depends on. The next SetSources
// builds them again.
func (s *Service) DropViews(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("drop views: acquire connection: %w", err)
	}
	defer conn.Release()
	locked, err := s.lock(ctx, conn, s.cfg.LockWait)
	if err != nil {
		return fmt.Errorf("drop views: %w", err)
	}
	if !locked {
		return fmt.Errorf("drop views: %w", ErrBusy)
	}
	defer s.unlock(ctx, conn)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, dropViewsSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop views: %w", err)
	}
	return nil
}
