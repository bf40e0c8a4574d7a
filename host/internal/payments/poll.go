package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/jobs"
)

// JobName is the poll job's name.
const JobName = "host.poll_payments"

// pollBatch bounds the payments one company's run looks at.
const pollBatch = 100

// Job is the scheduler's job that settles payments left open: for each
// company with payments open for longer than PollAfter, it asks Mercado
// Pago for each one (by its id, or by our id as external reference when
// the provider's id never reached us) and applies the answer as a webhook
// would; an unpaid QR order past its expiry is cancelled (status_detail
// expired), so the vertical releases what it held. It also forgets the
// webhook deliveries older than the signature window (a replay of them is
// refused by the window already).
func (s *Service) Job(schedule string) jobs.Job {
	return jobs.Job{
		Name: JobName, Schedule: schedule,
		Summary:   "ask Mercado Pago about payments still open after NEXUS_MERCADOPAGO_POLL_AFTER (lost webhooks, expired QR orders)",
		Companies: s.openCompanies,
		Run: func(ctx context.Context, run jobs.Run) error {
			_, err := s.Poll(ctx, run.CompanyID)
			return err
		},
	}
}

// openCompanies lists the companies with open payments and prunes the
// old notifications, as the host's role.
func (s *Service) openCompanies(ctx context.Context) ([]uuid.UUID, error) {
	if _, err := s.pool.Exec(ctx, qPruneNotifications, s.cfg.Now().Add(-2*s.cfg.SignatureWindow)); err != nil {
		return nil, fmt.Errorf("prune payment notifications: %w", err)
	}
	rows, err := s.pool.Query(ctx, qOpenCompanies)
	if err != nil {
		return nil, fmt.Errorf("companies with open payments: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// Poll settles a company's payments open for longer than PollAfter and
// returns how many changed. A payment the provider cannot answer about now
// is left for the next run; the other payments go on.
func (s *Service) Poll(ctx context.Context, companyID uuid.UUID) (int, error) {
	var list []Payment
	err := s.inTx(ctx, companyID, func(tx pgx.Tx, _ *eventBatch) error {
		rows, err := tx.Query(ctx, qOpenStale, companyID, s.cfg.Now().Add(-s.cfg.PollAfter), pollBatch)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Payment, error) { return scanPayment(row) })
		return err
	})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	cfg, err := s.config(ctx, companyID)
	if err != nil {
		return 0, err
	}
	client, err := s.client(ctx, companyID, cfg)
	if err != nil {
		return 0, err
	}
	changed := 0
	var firstErr error
	for _, p := range list {
		moved, err := s.pollOne(ctx, client, p)
		if err != nil {
			s.log.Warn("polling a payment failed", "company_id", companyID, "payment_id", p.ID, "error", err)
			firstErr = cmpErr(firstErr, err)
			continue
		}
		if moved {
			changed++
		}
	}
	return changed, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// pollOne asks about p and applies the answer.
func (s *Service) pollOne(ctx context.Context, client *mpClient, p Payment) (bool, error) {
	var (
		mp    mpPayment
		found bool
	)
	if p.ProviderPaymentID != "" {
		got, err := client.getPayment(ctx, p.ProviderPaymentID)
		if err != nil {
			return false, err
		}
		mp, found = got, true
	} else {
		list, err := client.searchPayments(ctx, p.ID.String())
		if err != nil {
			return false, err
		}
		if len(list) > 0 {
			mp, found = list[0], true
		}
	}
	now := s.cfg.Now()
	if !found && p.ExpiresAt != nil && now.After(*p.ExpiresAt) {
		mp = mpPayment{Status: StatusCancelled, StatusDetail: "expired"}
		found = true
	}
	moved := false
	err := s.inTx(ctx, p.companyID, func(tx pgx.Tx, b *eventBatch) error {
		cur, err := scanPayment(tx.QueryRow(ctx, qByIDForUpdate, p.companyID, p.ID))
		if err != nil {
			return err
		}
		if found {
			before := len(b.evs)
			if err := s.move(ctx, tx, b, cur, mp, "poll"); err != nil {
				return err
			}
			moved = len(b.evs) > before
		}
		if !moved {
			_, err = tx.Exec(ctx, qTouch, p.companyID, p.ID)
		}
		return err
	})
	if errors.Is(err, context.Canceled) {
		return false, err
	}
	return moved, err
}

// DefaultSchedule is the job's schedule unless configured.
const DefaultSchedule = "@every 1m"
