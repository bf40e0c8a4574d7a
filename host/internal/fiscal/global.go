package fiscal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// GlobalIssuer is implemented by an Issuer whose authority takes the sales
// to the public in general in one global document per period (Mexico's
// global CFDI with InformacionGlobal). The core holds such a sale
// (StatusPendingGlobal) instead of issuing it, and its job
// (GlobalJobName) makes one global document of each ended period's held
// sales of a vertical: a document of the vertical like any other (the
// Issuer's Plan, Issue and Status; its own number), whose members become
// authorized with its code once it is.
type GlobalIssuer interface {
	// Held reports whether doc, an invoice about to be issued, waits for
	// its period's global document instead.
	Held(env *Env, doc *Document) (bool, error)
	// Period is the period that contains day (midnight of a date in the
	// company's time zone), by the company's settings.
	Period(env *Env, day time.Time) (Period, error)
	// GlobalInput is the input of the global document of p made of
	// members: held invoices of one vertical, in the order given.
	GlobalInput(env *Env, p Period, members []*Document) (fiscal.Input, error)
}

// Period is the period of a global document.
type Period struct {
	// Key names the period within the company and vertical (such as
	// "01:2026-12-05", periodicidad and first day); the global's source
	// id is GlobalSourcePrefix + Key.
	Key string
	// Start is its first day and End the day after its last, at midnight
	// in the company's time zone.
	Start, End time.Time
	// Details are stored with the global document (Document.Details) for
	// the issuer to read when it issues it.
	Details map[string]any
}

// GlobalSourcePrefix starts the source id of every global document; a
// vertical's own source ids may not.
const GlobalSourcePrefix = "global:"

// GlobalJobName is the job that issues the global documents.
const GlobalJobName = "host.issue_global_cfdi"

// GlobalSchedule is how often the job looks for ended periods.
const GlobalSchedule = "@every 5m"

// DefaultGlobalMaxMembers bounds the members of one global document: a
// period with more sales gets several globals (SAT allows more than one
// per period), which keeps the memory of one issuance and the size of the
// CFDI sent bounded.
const DefaultGlobalMaxMembers = 2000

// globalRetry is the wait before the members of a rejected global are
// put in a new one, doubled for each rejected global of the period, at
// most globalRetryMax; a change of the company's fiscal settings after
// the rejection retries at the next run.
const (
	globalRetry    = time.Hour
	globalRetryMax = 24 * time.Hour
)

// heldCreditNotesBatch bounds the held credit notes one run issues.
const heldCreditNotesBatch = 500

// GlobalJob is the scheduler's job of the global documents: for each
// company with held documents, IssueGlobals.
func (s *Service) GlobalJob() jobs.Job {
	return jobs.Job{
		Name: GlobalJobName, Schedule: GlobalSchedule,
		Summary: "issue one global CFDI per ended period of the anonymous sales held for it (Mexico), then their held credit notes",
		Companies: func(ctx context.Context) ([]uuid.UUID, error) {
			rows, err := s.pool.Query(ctx, qGlobalCompanies)
			if err != nil {
				return nil, fmt.Errorf("companies with held fiscal documents: %w", err)
			}
			return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		},
		Run: func(ctx context.Context, run jobs.Run) error {
			return s.IssueGlobals(ctx, run.CompanyID, time.Now())
		},
	}
}

// IssueGlobals does one run of the global documents of a company, at now:
// it issues again the globals left unsent or with an unknown outcome,
// frees the members of a rejected global once it may be tried again, puts
// the held invoices of every period that has ended in the company's time
// zone into new globals (per vertical, at most the service's
// GlobalMaxMembers each) and issues them, then issues the held credit
// notes whose invoice is now authorized. Runs on several replicas at once
// are safe: globals are made under a lock of the company and each issuance
// under its series' lock, so a period never gets two globals of the same
// sales and a global is never stamped twice. A global the authority
// rejects is not an error of the run (the rejection is on the document);
// one that could not be sent is, so the scheduler retries.
func (s *Service) IssueGlobals(ctx context.Context, companyID uuid.UUID, now time.Time) error {
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return err
	}
	gi, ok := iss.(GlobalIssuer)
	if !ok {
		return nil
	}
	var errs []error
	open, err := s.ids(ctx, companyID, qOpenGlobals, companyID)
	if err != nil {
		return err
	}
	if err := s.releaseRejected(ctx, env, now); err != nil {
		return err
	}
	made, err := s.assembleGlobals(ctx, env, gi, now)
	if err != nil {
		return err
	}
	for _, id := range append(open, made...) {
		errs = append(errs, s.issueGlobal(ctx, env, iss, id))
	}
	notes, err := s.ids(ctx, companyID, qHeldCreditNotes, companyID, heldCreditNotesBatch)
	if err != nil {
		return err
	}
	for _, id := range notes {
		errs = append(errs, s.issueHeldCreditNote(ctx, env, iss, id))
	}
	return errors.Join(errs...)
}

// ids runs a query of ids in a tenant transaction of the company.
func (s *Service) ids(ctx context.Context, companyID uuid.UUID, query string, args ...any) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("global fiscal documents of %s: %w", companyID, err)
	}
	return out, nil
}

// issueGlobal issues the global document id; a rejection is logged, not
// returned.
func (s *Service) issueGlobal(ctx context.Context, env *Env, iss Issuer, id uuid.UUID) error {
	doc, err := s.load(ctx, s.pool, env.Company.ID, id)
	if err != nil {
		return err
	}
	doc, err = s.issue(ctx, env, iss, doc)
	if err != nil {
		return fmt.Errorf("global fiscal document %s: %w", id, err)
	}
	if doc.Status == fiscal.StatusRejected {
		s.log.Warn("global fiscal document rejected; its sales stay held", "company_id", env.Company.ID, "document_id", doc.ID,
			"messages", codes(doc.Messages))
	}
	return nil
}

// issueHeldCreditNote issues a held credit note whose invoice has been
// authorized with its global.
func (s *Service) issueHeldCreditNote(ctx context.Context, env *Env, iss Issuer, id uuid.UUID) error {
	doc, err := s.load(ctx, s.pool, env.Company.ID, id)
	if err != nil {
		return err
	}
	if doc.RelatedID != nil {
		if doc.Related, err = s.load(ctx, s.pool, env.Company.ID, *doc.RelatedID); err != nil {
			return err
		}
	}
	if _, err := s.issue(ctx, env, iss, doc); err != nil {
		return fmt.Errorf("held credit note %s: %w", id, err)
	}
	return nil
}

// heldPeriod is a period of a vertical with held invoices in no global.
type heldPeriod struct {
	vertical string
	period   Period
}

// assembleGlobals makes the global documents of the ended periods and
// returns their ids.
func (s *Service) assembleGlobals(ctx context.Context, env *Env, gi GlobalIssuer, now time.Time) ([]uuid.UUID, error) {
	loc := env.Company.Location
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var days []struct {
		vertical, day string
	}
	err := store.TenantTx(ctx, s.pool, env.Company.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qHeldDays, env.Company.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v, day string
			if err := rows.Scan(&v, &day); err != nil {
				return err
			}
			days = append(days, struct{ vertical, day string }{v, day})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("held fiscal documents of %s: %w", env.Company.ID, err)
	}
	var periods []heldPeriod
	seen := map[string]bool{}
	for _, hd := range days {
		day, err := time.ParseInLocation(time.DateOnly, hd.day, loc)
		if err != nil {
			return nil, fmt.Errorf("held fiscal document dated %q: %w", hd.day, err)
		}
		p, err := gi.Period(env, day)
		if err != nil {
			return nil, err
		}
		if p.End.After(today) || seen[hd.vertical+"\x00"+p.Key] {
			continue
		}
		seen[hd.vertical+"\x00"+p.Key] = true
		periods = append(periods, heldPeriod{vertical: hd.vertical, period: p})
	}
	var made []uuid.UUID
	for _, hp := range periods {
		for {
			id, n, err := s.assembleGlobal(ctx, env, gi, hp)
			if err != nil {
				return made, err
			}
			if n == 0 {
				break
			}
			made = append(made, id)
			if n < s.globalMax {
				break
			}
		}
	}
	return made, nil
}

// assembleGlobal makes one global document of hp's held invoices not in
// a global yet (at most globalMax, oldest first) and returns its id and
// how many it took: in one transaction under the company's lock of
// globals, so that concurrent runs never put a sale in two globals.
func (s *Service) assembleGlobal(ctx context.Context, env *Env, gi GlobalIssuer, hp heldPeriod) (uuid.UUID, int, error) {
	c := env.Company
	var (
		id uuid.UUID
		n  int
	)
	err := store.TenantTx(ctx, s.pool, c.ID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, qLockGlobals, "fiscal-global:"+c.ID.String()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, qHeldOf, c.ID, hp.vertical, hp.period.Start.Format(time.DateOnly),
			hp.period.End.Format(time.DateOnly), s.globalMax)
		if err != nil {
			return err
		}
		members, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*Document, error) { return scanDocument(row) })
		if err != nil || len(members) == 0 {
			return err
		}
		in, err := gi.GlobalInput(env, hp.period, members)
		if err != nil {
			return err
		}
		var earlier int
		source := GlobalSourcePrefix + hp.period.Key
		if err := tx.QueryRow(ctx, qGlobalsOf, c.ID, hp.vertical, source).Scan(&earlier); err != nil {
			return err
		}
		if earlier > 0 {
			source += ":" + strconv.Itoa(earlier+1)
		}
		in.SourceID, in.Kind = source, fiscal.KindInvoice
		body, hash, err := inputHash(in)
		if err != nil {
			return err
		}
		details := map[string]any{"period_start": hp.period.Start.Format(time.DateOnly),
			"period_end": hp.period.End.AddDate(0, 0, -1).Format(time.DateOnly), "members": len(members)}
		for k, v := range hp.period.Details {
			details[k] = v
		}
		g, err := scanDocument(tx.QueryRow(ctx, qInsertGlobal, c.ID, hp.vertical, source, c.Country, body, hash,
			in.Currency, in.Totals.Total, details))
		if err != nil {
			return fmt.Errorf("insert global %s: %w", source, err)
		}
		ids := make([]uuid.UUID, len(members))
		for i, m := range members {
			ids[i] = m.ID
		}
		if _, err := tx.Exec(ctx, qAssignMembers, c.ID, g.ID, ids, map[string]any{"global_document_id": g.ID.String()}); err != nil {
			return err
		}
		id, n = g.ID, len(members)
		return s.record(ctx, tx, g, "fiscal.document.created", map[string]any{"members": n, "period": hp.period.Key})
	})
	if err != nil {
		return uuid.Nil, 0, fmt.Errorf("global fiscal document of %s %s: %w", hp.vertical, hp.period.Key, err)
	}
	return id, n, nil
}

// releaseRejected frees the members of the rejected globals that may be
// tried again (the settings changed since the rejection, or its wait
// passed), so the next assembly puts them in a new global of their
// period: a refused CFDI is never sent again as it was, and a period is
// retried at most once per wait.
func (s *Service) releaseRejected(ctx context.Context, env *Env, now time.Time) error {
	type rejected struct {
		id     uuid.UUID
		source string
		at     time.Time
	}
	var list []rejected
	err := store.TenantTx(ctx, s.pool, env.Company.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qRejectedGlobals, env.Company.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r rejected
			if err := rows.Scan(&r.id, &r.source, &r.at); err != nil {
				return err
			}
			list = append(list, r)
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("rejected global fiscal documents of %s: %w", env.Company.ID, err)
	}
	for _, r := range list {
		reason := ""
		switch {
		case env.Settings.UpdatedAt.After(r.at):
			reason = "settings_changed"
		case !now.Before(r.at.Add(retryWait(r.source))):
			reason = "retry"
		default:
			continue
		}
		err := store.TenantTx(ctx, s.pool, env.Company.ID, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, qReleaseMembers, env.Company.ID, r.id)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			g, err := scanDocument(tx.QueryRow(ctx, qGet, env.Company.ID, r.id))
			if err != nil {
				return err
			}
			return s.record(ctx, tx, g, "fiscal.document.global_released", map[string]any{"members": tag.RowsAffected(), "reason": reason})
		})
		if err != nil {
			return fmt.Errorf("release the members of %s: %w", r.id, err)
		}
	}
	return nil
}

// retryWait is the wait after the rejection of the global of source:
// globalRetry doubled for each earlier global of its period (the n in
// "global:<key>:<n>"), at most globalRetryMax.
func retryWait(source string) time.Duration {
	n := 1
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		if v, err := strconv.Atoi(source[i+1:]); err == nil && v > 1 && v < 20 {
			n = v
		}
	}
	return min(globalRetry<<(n-1), globalRetryMax)
}

// hold makes a draft wait for its period's global document.
func (s *Service) hold(ctx context.Context, doc *Document) (*Document, error) {
	err := s.transition(ctx, s.pool, doc, fiscal.StatusPendingGlobal, []fiscal.Status{fiscal.StatusDraft},
		"fiscal.document.held", nil, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, qHold, doc.companyID, doc.ID)
			return err
		})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// held reports whether the draft doc waits for a global document: an
// invoice the issuer holds, or a credit note of a held invoice.
func held(env *Env, iss Issuer, doc *Document) (bool, error) {
	if doc.Kind == fiscal.KindCreditNote {
		return doc.Related != nil && doc.Related.Status == fiscal.StatusPendingGlobal, nil
	}
	gi, ok := iss.(GlobalIssuer)
	if !ok {
		return false, nil
	}
	return gi.Held(env, doc)
}

// issuable reports whether doc may be sent: a draft, a requested one, or
// a held credit note whose invoice has been authorized.
func issuable(doc *Document) bool {
	switch doc.Status {
	case fiscal.StatusDraft, fiscal.StatusRequested:
		return true
	case fiscal.StatusPendingGlobal:
		return doc.Kind == fiscal.KindCreditNote && doc.Related != nil && doc.Related.Status == fiscal.StatusAuthorized
	default:
		return false
	}
}

// membersAuthorized records, in the transaction of the global's
// authorization, that its held members are authorized with its code.
func (s *Service) membersAuthorized(ctx context.Context, tx pgx.Tx, global *Document, code string) error {
	tag, err := tx.Exec(ctx, qAuthorizeMembers, global.companyID, global.ID, code,
		map[string]any{"global_document_id": global.ID.String(), "uuid": code})
	if err != nil {
		return fmt.Errorf("authorize the members of %s: %w", global.ID, err)
	}
	return s.record(ctx, tx, global, "fiscal.document.global_members_authorized",
		map[string]any{"members": tag.RowsAffected(), "authorization_code": code})
}

// membersReleased puts the members of a cancelled global back on hold,
// in the transaction of its cancellation: their sales must be in a global
// CFDI in force, so the next run issues a new one for their period.
func (s *Service) membersReleased(ctx context.Context, tx pgx.Tx, global *Document) error {
	tag, err := tx.Exec(ctx, qUnauthorizeMembers, global.companyID, global.ID)
	if err != nil {
		return fmt.Errorf("release the members of %s: %w", global.ID, err)
	}
	return s.record(ctx, tx, global, "fiscal.document.global_released",
		map[string]any{"members": tag.RowsAffected(), "reason": "cancelled"})
}

// errInGlobal refuses what only the global document of a held or
// authorized member may do.
func errInGlobal(doc *Document, what string) *httpx.Error {
	return httpx.Conflict("fiscal_document_in_global",
		fmt.Sprintf("this sale is part of the global document %s: %s", doc.GlobalID, what)).
		WithDetails(map[string]any{"id": doc.ID.String(), "global_document_id": doc.GlobalID.String()})
}
