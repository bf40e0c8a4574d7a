package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// shared holds the cache, locks and rate limiter: Redis-backed when
// NEXUS_REDIS_URL is set (degrading gracefully while it is down), in-memory
// otherwise.
type shared struct {
	monitor *cache.Monitor
	cache   cache.Backend
	locks   locks.Backend
	limiter ratelimit.Limiter
	classes ratelimit.Classes
	// apiLimiter and webhookLimiter are limiter, counting their refusals
	// in the host's metrics.
	apiLimiter, webhookLimiter ratelimit.Limiter
}

func (p *platform) openShared(ctx context.Context) error {
	if err := p.openBackends(ctx); err != nil {
		return err
	}
	p.shared.apiLimiter = ratelimit.SplitAPIKeys(p.metrics.Limiter(p.shared.limiter, "api"),
		p.metrics.Limiter(p.shared.limiter, "api_key"))
	p.shared.webhookLimiter = p.metrics.Limiter(p.shared.limiter, "webhook")
	return nil
}

// openBackends opens the cache, locks and limiter: Redis's when
// configured, in memory otherwise.
func (p *platform) openBackends(ctx context.Context) error {
	p.shared = &shared{classes: p.cfg.RateLimits}
	if p.cfg.RedisURL == "" {
		p.shared.cache = cache.NewMemory(0, p.log.Named("cache"))
		p.shared.locks = locks.NewMemory()
		p.shared.limiter = ratelimit.NewMemory()
		return nil
	}
	redis.SetLogger(cache.RedisLog{Logger: p.log.Named("redis")})
	client, err := cache.NewClient(p.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("NEXUS_REDIS_URL: %w", err)
	}
	mon := cache.NewMonitor(client, cache.DefaultCheckInterval, p.log.Named("redis"))
	if err := mon.Check(ctx); err != nil {
		p.log.Warn("redis is unreachable; starting degraded", "error", err)
	}
	go mon.Run(ctx)
	p.shared.monitor = mon
	rc := cache.NewRedis(client, mon, p.log.Named("cache"))
	rc.UseJournal(p.pool)
	go rc.RunJournal(ctx)
	p.shared.cache = rc
	p.shared.locks = locks.NewRedis(client, mon)
	p.shared.limiter = ratelimit.NewFallback(ratelimit.NewRedis(client, ""), mon, ratelimit.NewMemory(), p.log.Named("ratelimit"))
	return nil
}

// degraded reports a shared service running below its normal mode.
func (s *shared) degraded() (bool, string) {
	if s.monitor == nil {
		return false, ""
	}
	ok, reason := s.monitor.Healthy()
	return !ok, reason
}

// rateLimit is the HTTP middleware limiting per IP (anonymous) or per user
// and company (after authentication).
func (s *shared) rateLimit() func(http.Handler) http.Handler {
	return ratelimit.Middleware(s.apiLimiter, ratelimit.Classify(s.classes, func(ctx context.Context) (ratelimit.Caller, bool) {
		pr, ok := auth.FromContext(ctx)
		return ratelimit.Caller{UserID: pr.UserID, CompanyID: pr.CompanyID, KeyID: pr.KeyID}, ok
	}, nil))
}
