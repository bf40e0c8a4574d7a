package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Client defaults applied by NewClient unless the URL sets them: short
// enough that an outage degrades requests instead of stalling them.
const (
	defaultDialTimeout = time.Second
	defaultIOTimeout   = 500 * time.Millisecond
	defaultPoolTimeout = time.Second
)

// DefaultCheckInterval is how often a Monitor pings Redis by default.
const DefaultCheckInterval = time.Second

// NewClient returns a Redis client for url (redis:// or rediss://, with
// go-redis query options) without connecting: the host starts, degraded,
// even when Redis is down. Timeouts default to 1 s to dial and 500 ms per
// command, with one retry.
func NewClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = defaultDialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = defaultIOTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = defaultIOTimeout
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = defaultPoolTimeout
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	if opt.MaintNotificationsConfig == nil {
		opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	return redis.NewClient(opt), nil
}

// Monitor tracks whether Redis is reachable: Run pings it every interval,
// and features report failed commands through Observe so an outage is seen
// at once. Healthy is cheap enough for every request. It starts unhealthy
// until the first successful check.
type Monitor struct {
	client   redis.UniversalClient
	interval time.Duration
	log      hclog.Logger

	state atomic.Pointer[health]
	mu    sync.Mutex // serialises transitions so each is logged once
}

type health struct {
	ok     bool
	reason string
}

// NewMonitor returns a monitor of client pinging every interval
// (DefaultCheckInterval when interval <= 0).
func NewMonitor(client redis.UniversalClient, interval time.Duration, log hclog.Logger) *Monitor {
	if interval <= 0 {
		interval = DefaultCheckInterval
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	m := &Monitor{client: client, interval: interval, log: log}
	m.state.Store(&health{reason: "redis: not checked yet"})
	return m
}

// Healthy reports whether Redis is reachable and, when it is not, why.
func (m *Monitor) Healthy() (bool, string) {
	h := m.state.Load()
	return h.ok, h.reason
}

// Check pings Redis once and records the outcome.
func (m *Monitor) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, min(m.interval, defaultIOTimeout*2))
	defer cancel()
	if err := m.client.Ping(ctx).Err(); err != nil {
		err = fmt.Errorf("redis ping: %w", err)
		m.set(false, err.Error())
		return err
	}
	m.set(true, "")
	return nil
}

// Run checks Redis now and then every interval until ctx is done.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		if ctx.Err() == nil {
			_ = m.Check(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Observe records the outcome of a Redis command: a connection failure
// marks Redis down until the next successful check. Replies from the
// server (including redis.Nil) and the caller's own cancellation say
// nothing about reachability and are ignored.
func (m *Monitor) Observe(err error) {
	if !Unreachable(err) {
		return
	}
	if h := m.state.Load(); !h.ok {
		return
	}
	m.set(false, "redis: "+err.Error())
}

func (m *Monitor) set(ok bool, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.state.Load()
	if prev.ok == ok && prev.reason == reason {
		return
	}
	m.state.Store(&health{ok: ok, reason: reason})
	switch {
	case ok && !prev.ok:
		m.log.Info("redis reachable; cache, locks and rate limits use it")
	case !ok && prev.ok:
		m.log.Warn("redis unreachable; degraded: cache bypassed, locks fail closed, rate limits per process", "reason", reason)
	}
}

// Unreachable reports whether err from a Redis command means the server
// could not be reached (as opposed to a reply, a miss or a cancellation).
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		msg := reply.Error()
		for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}

// RedisLog sends go-redis's own log lines (failed dials and the like, one
// per attempt during an outage) to an hclog logger at debug level; the
// Monitor already logs each outage once. Install it with
// redis.SetLogger(cache.RedisLog{Logger: log}).
type RedisLog struct {
	Logger hclog.Logger
}

// Printf implements go-redis's logging interface.
func (l RedisLog) Printf(_ context.Context, format string, v ...any) {
	l.Logger.Debug(fmt.Sprintf(format, v...))
}
