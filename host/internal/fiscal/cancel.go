package fiscal

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// CancelResult is what became of a cancellation request.
type CancelResult string

// Cancellation results.
const (
	// CancelDone: the authority cancelled the document.
	CancelDone CancelResult = "cancelled"
	// CancelPending: the authority has the request and waits for the
	// receiver's acceptance (MX: a CFDI "Cancelable con aceptación").
	CancelPending CancelResult = "pending"
	// CancelRefused: the receiver rejected the request; the document
	// stays in force.
	CancelRefused CancelResult = "refused"
)

// CancelOutcome is an issuer's answer about a cancellation.
type CancelOutcome struct {
	Result CancelResult
	// Authority is what the authority said, shown with the document under
	// details.cancellation (MX: SAT's estado, es_cancelable,
	// estatus_cancelacion).
	Authority map[string]any
	// Messages are added to the document's messages (why the receiver's
	// refusal left it in force).
	Messages []fiscal.Message
}

// CancellationChecker is an Issuer whose cancellations may wait for the
// receiver (MX). The core's job (CancellationJob) calls it for every
// document in StatusCancellationRequested when its next check is due.
type CancellationChecker interface {
	// CancellationStatus asks the authority what became of doc's
	// cancellation request: CancelDone, CancelRefused, or CancelPending
	// while the receiver has not answered. An error (the authority
	// cannot be reached) changes nothing; the job asks again later.
	CancellationStatus(ctx context.Context, env *Env, doc *Document) (CancelOutcome, error)
}

// CancelJobName is the name of the job that follows pending
// cancellations.
const CancelJobName = "host.fiscal_cancellations"

// DefaultCancelSchedule is the job's schedule unless configured.
const DefaultCancelSchedule = "@every 5m"

// Checks of a pending cancellation back off from cancelCheckBase,
// doubling, up to cancelCheckMax: the receiver has three business days.
const (
	cancelCheckBase  = 5 * time.Minute
	cancelCheckMax   = 6 * time.Hour
	cancelCheckBatch = 100
)

// cancelBackoff is the wait before the check after checks checks.
func cancelBackoff(checks int) time.Duration {
	d := cancelCheckBase
	for range min(checks, 16) {
		if d *= 2; d >= cancelCheckMax {
			return cancelCheckMax
		}
	}
	return d
}

// Cancel cancels the company's authorized document id through its
// country's issuer with reason; vertical, when set, must be the
// document's. The document becomes cancelled when the authority cancels
// it at once, or cancellation_requested when it waits for the receiver
// (CancellationJob follows it). A sale held for a global document and in
// none yet is voided: cancelled at once, the authority asked nothing,
// since nothing was stamped. Asking again while it waits answers the
// document as it is, without calling the authority. Concurrent requests
// for one document are serialized across replicas.
func (s *Service) Cancel(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID, reason string) (*Document, error) {
	doc, err := s.Get(ctx, companyID, vertical, id)
	if err != nil {
		return nil, err
	}
	if doc.GlobalID != nil {
		return nil, errInGlobal(doc, "it is cancelled only with it (SAT motivo 04 cancels the global, whose sales then go into a new one); a return is a credit note")
	}
	if doc.Status == fiscal.StatusCancellationRequested {
		return doc, nil
	}
	if doc.Status == fiscal.StatusPendingGlobal && doc.Kind == fiscal.KindInvoice {
		return s.voidHeld(ctx, doc, reason)
	}
	if doc.Status != fiscal.StatusAuthorized {
		return nil, errInvalidTransition(doc, fiscal.StatusCancelled)
	}
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return nil, err
	}
	// Like an issuance, a cancellation holds a connection (its lock)
	// while its issuer needs others: the gate keeps those free.
	key := "fiscal-cancel:" + companyID.String() + ":" + id.String()
	leave, err := s.gate.enter(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fiscal cancellation: %w", err)
	}
	defer leave()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("fiscal cancellation: %w", err)
	}
	defer conn.Release()
	unlock, err := lockKey(ctx, conn, key)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if doc, err = s.load(ctx, conn, companyID, id); err != nil {
		return nil, err
	}
	switch doc.Status {
	case fiscal.StatusCancellationRequested:
		return doc, nil
	case fiscal.StatusAuthorized:
	default:
		return nil, errInvalidTransition(doc, fiscal.StatusCancelled)
	}
	out, err := iss.Cancel(ctx, env, doc, reason)
	if err != nil {
		return nil, err
	}
	if err := s.recordCancellation(ctx, conn, doc, fiscal.StatusAuthorized, reason, out); err != nil {
		return nil, err
	}
	return doc, nil
}

// recordCancellation records a cancellation's outcome on doc, which is in
// from: the authority's word merges into details.cancellation.
func (s *Service) recordCancellation(ctx context.Context, conn *pgxpool.Conn, doc *Document, from fiscal.Status, reason string, out CancelOutcome) error {
	now := s.now().UTC()
	authority := map[string]any{"checked_at": now}
	if prev, ok := doc.Details["cancellation"].(map[string]any); ok {
		for k, v := range prev {
			authority[k] = v
		}
	}
	for k, v := range out.Authority {
		authority[k] = v
	}
	if out.Result != CancelPending {
		delete(authority, "next_check_at")
	}
	extra := map[string]any{"reason": reason}
	if len(out.Authority) > 0 {
		extra["authority"] = out.Authority
	}
	switch out.Result {
	case CancelDone:
		body, err := json.Marshal(authority)
		if err != nil {
			return fmt.Errorf("fiscal cancellation: %w", err)
		}
		return s.transition(ctx, conn, doc, fiscal.StatusCancelled, []fiscal.Status{from}, "fiscal.document.cancelled", extra,
			func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, qCancelled, doc.companyID, doc.ID, reason, now, body)
				if err != nil || !doc.Global {
					return err
				}
				return s.membersReleased(ctx, tx, doc)
			})
	case CancelPending:
		if from == fiscal.StatusCancellationRequested {
			return s.stillPending(ctx, conn, doc, authority)
		}
		authority["requested_at"] = now
		next := now.Add(cancelBackoff(0))
		authority["next_check_at"] = next
		body, err := json.Marshal(authority)
		if err != nil {
			return fmt.Errorf("fiscal cancellation: %w", err)
		}
		return s.transition(ctx, conn, doc, fiscal.StatusCancellationRequested, []fiscal.Status{from},
			"fiscal.document.cancellation_requested", extra, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, qCancellationRequested, doc.companyID, doc.ID, reason, now, next, body)
				return err
			})
	case CancelRefused:
		if from != fiscal.StatusCancellationRequested {
			return fmt.Errorf("fiscal: a cancellation refused before it was requested (%s)", doc.ID)
		}
		body, err := json.Marshal(authority)
		if err != nil {
			return fmt.Errorf("fiscal cancellation: %w", err)
		}
		msgs, err := json.Marshal(nonNilMessages(out.Messages))
		if err != nil {
			return fmt.Errorf("fiscal cancellation: %w", err)
		}
		extra["messages"] = codes(out.Messages)
		return s.transition(ctx, conn, doc, fiscal.StatusAuthorized, []fiscal.Status{from}, "fiscal.document.cancellation_rejected", extra,
			func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, qCancellationRejected, doc.companyID, doc.ID, msgs, body)
				return err
			})
	default:
		return fmt.Errorf("fiscal: cannot record a cancellation outcome %q", out.Result)
	}
}

// stillPending records the authority's latest word on a cancellation that
// still waits; the status is unchanged, so nothing is audited.
func (s *Service) stillPending(ctx context.Context, conn *pgxpool.Conn, doc *Document, authority map[string]any) error {
	body, err := json.Marshal(authority)
	if err != nil {
		return fmt.Errorf("fiscal cancellation: %w", err)
	}
	err = store.TenantTx(ctx, conn, doc.companyID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qCancellationChecked, doc.companyID, doc.ID, body)
		return err
	})
	if err != nil {
		return fmt.Errorf("fiscal document %s: cancellation checked: %w", doc.ID, err)
	}
	return nil
}

func nonNilMessages(m []fiscal.Message) []fiscal.Message {
	if m == nil {
		return []fiscal.Message{}
	}
	return m
}

// CancellationJob is the scheduler's job that follows the cancellations
// waiting for their receiver: for each company with one whose next check
// is due, CheckCancellations.
func (s *Service) CancellationJob(schedule string) jobs.Job {
	return jobs.Job{
		Name: CancelJobName, Schedule: schedule,
		Summary:   "ask the authority (SAT) about fiscal documents whose cancellation waits for the receiver's acceptance",
		Companies: s.pendingCancellationCompanies,
		Run: func(ctx context.Context, run jobs.Run) error {
			_, err := s.CheckCancellations(ctx, run.CompanyID)
			return err
		},
	}
}

// pendingCancellationCompanies lists the companies with a cancellation
// check due, as the host's role across companies.
func (s *Service) pendingCancellationCompanies(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := s.pool.Query(ctx, qDueCancellationCompanies, s.now())
	if err != nil {
		return nil, fmt.Errorf("companies with pending fiscal cancellations: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// dueCancellation is a pending cancellation whose check is due.
type dueCancellation struct {
	id     uuid.UUID
	checks int
}

// CheckCancellations asks the authority about the company's pending
// cancellations whose check is due, records what it says and returns how
// many changed state. Each document is claimed first (its next check
// moved on by the backoff), so runs on several replicas never ask twice
// nor record twice; a document the authority cannot answer about now is
// left as it is, for the next check, and the others go on.
func (s *Service) CheckCancellations(ctx context.Context, companyID uuid.UUID) (int, error) {
	now := s.now()
	var due []dueCancellation
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qDueCancellations, companyID, now, cancelCheckBatch)
		if err != nil {
			return err
		}
		due, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (dueCancellation, error) {
			var d dueCancellation
			return d, row.Scan(&d.id, &d.checks)
		})
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return 0, err
	}
	checker, ok := iss.(CancellationChecker)
	if !ok {
		return 0, fmt.Errorf("fiscal: the issuer of %s has cancellations pending but cannot check them", env.Company.Country)
	}
	leave, err := s.gate.enter(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("fiscal cancellations: %w", err)
	}
	defer leave()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("fiscal cancellations: %w", err)
	}
	defer conn.Release()
	changed := 0
	var firstErr error
	for _, d := range due {
		moved, err := s.checkCancellation(ctx, conn, env, checker, d, now)
		if err != nil {
			s.log.Warn("checking a fiscal cancellation failed", "company_id", companyID, "document_id", d.id, "error", err)
			firstErr = cmpErr(firstErr, err)
			continue
		}
		if moved {
			changed++
		}
	}
	return changed, firstErr
}

// checkCancellation claims one due cancellation and records what the
// authority says of it; false when another run claimed it or it still
// waits.
func (s *Service) checkCancellation(ctx context.Context, conn *pgxpool.Conn, env *Env, checker CancellationChecker, d dueCancellation, now time.Time) (bool, error) {
	var doc *Document
	err := store.TenantTx(ctx, conn, env.Company.ID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, qClaimCancellation, env.Company.ID, d.id, now, d.checks, now.Add(cancelBackoff(d.checks+1)))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		doc, err = scanDocument(tx.QueryRow(ctx, qGet, env.Company.ID, d.id))
		return err
	})
	if err != nil || doc == nil {
		return false, err
	}
	out, err := checker.CancellationStatus(ctx, env, doc)
	if err != nil {
		return false, err
	}
	if out.Result == CancelPending {
		out.Authority = withNextCheck(out.Authority, now.Add(cancelBackoff(d.checks+1)))
	}
	reason := ""
	if doc.CancelReason != nil {
		reason = *doc.CancelReason
	}
	if err := s.recordCancellation(ctx, conn, doc, fiscal.StatusCancellationRequested, reason, out); err != nil {
		return false, err
	}
	return out.Result != CancelPending, nil
}

func withNextCheck(m map[string]any, next time.Time) map[string]any {
	out := map[string]any{"next_check_at": next}
	for k, v := range m {
		out[k] = v
	}
	return out
}
