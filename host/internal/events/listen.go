package events

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/jobs"
)

// Reconnect backoff of the listener and the RabbitMQ bus.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// pruneBatch is how many rows one pruning statement deletes.
const pruneBatch = 10000

// pruneLockKey is the advisory lock a replica holds while pruning.
var pruneLockKey = func() int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("nexus.events.prune"))
	return int64(h.Sum64())
}()

// listen holds a dedicated connection that LISTENs for outbox and delivery
// notifications and passes them on, reconnecting with backoff until ctx
// ends. While it is down, the relay and the consumers still poll.
func (s *Service) listen(ctx context.Context) {
	backoff := minBackoff
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("event notifications lost; polling until the listener reconnects", "error", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listenOnce connects, listens and dispatches notifications until the
// connection fails or ctx ends; connected is called once listening.
func (s *Service) listenOnce(ctx context.Context, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	for _, ch := range []string{outboxChannel, deliveriesChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen %s: %w", ch, err)
		}
	}
	connected()
	// Anything committed while the listener was away is picked up now.
	s.wakeRelay()
	s.bus.wake(nil)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case outboxChannel:
			s.wakeRelay()
		case deliveriesChannel:
			var names []string
			if n.Payload != "" {
				names = strings.Split(n.Payload, ",")
			}
			s.bus.wake(names)
		}
	}
}

// PruneJobName is the job that prunes the event tables.
const PruneJobName = "host.prune_events"

// Job is the pruning of the event tables as a host job, every
// PruneInterval, run by the host's scheduler (host/internal/jobs) on one
// replica per activation.
func (s *Service) Job() jobs.Job {
	return jobs.Job{
		Name:     PruneJobName,
		Schedule: "@every " + s.cfg.PruneInterval.String(),
		Summary:  "delete sent outbox rows, old processed-event records and expired dead letters",
		Run:      func(ctx context.Context, _ jobs.Run) error { return s.prune(ctx) },
	}
}

// prune deletes sent outbox rows older than Retention (unless a pending
// in-process delivery or a dead letter still needs them), processed_events rows older than
// ProcessedRetention and dead letters older than DeadLetterTTL. Only one
// replica prunes at a time; the others skip the round.
func (s *Service) prune(ctx context.Context) error {
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"outbox", pruneOutboxSQL, []any{s.cfg.Retention.Milliseconds(), pruneBatch}},
		{"processed events", pruneProcessedSQL, []any{s.cfg.ProcessedRetention.Milliseconds(), pruneBatch}},
		{"dead letters", pruneDeadLettersSQL, []any{s.cfg.DeadLetterTTL.Milliseconds()}},
	}
	for _, step := range steps {
		for {
			var deleted int64
			skipped := false
			err := s.asyncTx(ctx, func(tx pgx.Tx) error {
				var locked bool
				if err := tx.QueryRow(ctx, tryPruneLockSQL, pruneLockKey).Scan(&locked); err != nil {
					return err
				}
				if !locked {
					skipped = true
					return nil
				}
				tag, err := tx.Exec(ctx, step.sql, step.args...)
				deleted = tag.RowsAffected()
				return err
			})
			if err != nil {
				return fmt.Errorf("prune %s: %w", step.what, err)
			}
			if skipped {
				return nil
			}
			if deleted > 0 {
				s.log.Debug("pruned event rows", "table", step.what, "rows", deleted)
			}
			if deleted < pruneBatch {
				break
			}
		}
	}
	return nil
}

// sleep waits d or until ctx ends, reporting whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
