package main

import (
	"context"
	"time"

	"github.com/nexuspos/nexus/internal/hostcall"
)

// housekeep deletes what the host keeps only for a while — idempotency keys
// older than NEXUS_IDEMPOTENCY_TTL, refresh tokens expired for a day — at
// start and then every NEXUS_PRUNE_INTERVAL, until ctx ends.
func (p *platform) housekeep(ctx context.Context) {
	t := time.NewTicker(p.cfg.PruneInterval)
	defer t.Stop()
	for {
		if n, err := hostcall.PruneIdempotencyKeys(ctx, p.pool, p.cfg.IdempotencyTTL); err != nil {
			p.log.Warn("pruning idempotency keys failed", "error", err)
		} else if n > 0 {
			p.log.Info("pruned idempotency keys", "rows", n)
		}
		if n, err := p.auth.PruneRefreshTokens(ctx); err != nil {
			p.log.Warn("pruning refresh tokens failed", "error", err)
		} else if n > 0 {
			p.log.Info("pruned refresh tokens", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
