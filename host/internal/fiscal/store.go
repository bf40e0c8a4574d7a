package fiscal

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// scanDocument reads the columns of documentColumns.
func scanDocument(row pgx.Row) (*Document, error) {
	var (
		d        Document
		details  []byte
		messages []byte
		input    []byte
		attempt  []byte
		expires  *string
	)
	err := row.Scan(&d.companyID, &d.ID, &d.Vertical, &d.SourceID, &d.Kind, &d.Status, &d.Country, &d.Currency, &d.Total,
		&d.CustomerTaxID, &d.RelatedID, &d.Series, &d.Number, &d.AuthorizationCode, &expires, &d.AuthorizedAt,
		&details, &messages, &d.CancelReason, &d.CancelledAt, &d.CreatedAt, &d.UpdatedAt, &input, &attempt, &d.LegalDocument,
		&d.Global, &d.GlobalID)
	if err != nil {
		return nil, err
	}
	d.AuthorizationExpires = expires
	if err := json.Unmarshal(details, &d.Details); err != nil {
		return nil, fmt.Errorf("fiscal document %s: details: %w", d.ID, err)
	}
	if err := json.Unmarshal(messages, &d.Messages); err != nil {
		return nil, fmt.Errorf("fiscal document %s: messages: %w", d.ID, err)
	}
	if err := json.Unmarshal(input, &d.Input); err != nil {
		return nil, fmt.Errorf("fiscal document %s: input: %w", d.ID, err)
	}
	if attempt != nil {
		d.Attempt = &Attempt{}
		if err := json.Unmarshal(attempt, d.Attempt); err != nil {
			return nil, fmt.Errorf("fiscal document %s: attempt: %w", d.ID, err)
		}
	}
	if d.Messages == nil {
		d.Messages = []fiscal.Message{}
	}
	return &d, nil
}

// inputHash is the fingerprint of what a vertical sent, to tell a repeated
// request from another document under the same source.
func inputHash(in fiscal.Input) ([]byte, []byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, nil, fmt.Errorf("fiscal input: %w", err)
	}
	sum := sha256.Sum256(b)
	return b, sum[:], nil
}

// draft stores in as a draft of vertical, or returns the document the
// same source has: created reports which. A document of the same source
// with other content takes it when it is revisable (audited
// fiscal.document.revised), and is a 409 otherwise. sent is in as the
// vertical sent it, before
// the defaults (an empty date is today), and is what the fingerprint
// compares: the same request asked again on another day is no conflict.
func (s *Service) draft(ctx context.Context, db dal.Beginner, c Company, vertical string, in, sent fiscal.Input) (*Document, bool, error) {
	body, _, err := inputHash(in)
	if err != nil {
		return nil, false, err
	}
	_, hash, err := inputHash(sent)
	if err != nil {
		return nil, false, err
	}
	var (
		doc     *Document
		created bool
	)
	err = store.TenantTx(ctx, db, c.ID, func(tx pgx.Tx) error {
		d, err := scanDocument(tx.QueryRow(ctx, qInsertDraft, c.ID, vertical, in.SourceID, in.Kind, c.Country, body, hash,
			in.Currency, documentTotal(in), in.Customer.TaxID, in.RelatedDocumentID))
		if err == nil && d.Kind == fiscal.KindPaymentReceipt {
			err = reserve(ctx, tx, d)
		}
		if err == nil {
			doc, created = d, true
			return s.record(ctx, tx, d, "fiscal.document.created", nil)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var old []byte
		row := tx.QueryRow(ctx, qBySource, c.ID, vertical, in.SourceID, in.Kind)
		d, err = scanDocument(prefixed{row, &old})
		if err != nil {
			return err
		}
		if string(old) == string(hash) {
			doc = d
			return nil
		}
		if !revisable(d) {
			return errConflict(d)
		}
		r, err := scanDocument(tx.QueryRow(ctx, qRevise, c.ID, d.ID, body, hash, old,
			in.Currency, documentTotal(in), in.Customer.TaxID, in.RelatedDocumentID))
		if errors.Is(err, pgx.ErrNoRows) {
			return errConflict(d)
		}
		if err != nil {
			return err
		}
		doc = r
		return s.record(ctx, tx, r, "fiscal.document.revised", map[string]any{"previous_status": string(d.Status)})
	})
	if err != nil {
		return nil, false, fmt.Errorf("store fiscal document %s/%s: %w", vertical, in.SourceID, err)
	}
	return doc, created, nil
}

// revisable reports whether a source's document may take new content
// from its vertical: one no authority has (a draft, or a document the
// authority rejected) and none is being sent, so a vertical can correct
// what was refused (a customer's missing postal code, a wrong tax
// condition) under the same source. A payment receipt holds its invoices'
// balances, and a global document and its held sales have their own ways
// (nominate, voidHeld): those stay a conflict.
func revisable(d *Document) bool {
	return (d.Status == fiscal.StatusDraft || d.Status == fiscal.StatusRejected) && d.Attempt == nil &&
		(d.Kind == fiscal.KindInvoice || d.Kind == fiscal.KindCreditNote) && !d.Global && d.GlobalID == nil
}

// prefixed scans its first column into first, the rest as row would.
type prefixed struct {
	row   pgx.Row
	first *[]byte
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// load reads a document of company c.
func (s *Service) load(ctx context.Context, db dal.Beginner, companyID, id uuid.UUID) (*Document, error) {
	var doc *Document
	err := store.TenantTx(ctx, db, companyID, func(tx pgx.Tx) error {
		var err error
		doc, err = scanDocument(tx.QueryRow(ctx, qGet, companyID, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errDocumentNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read fiscal document %s: %w", id, err)
	}
	return doc, nil
}

// transition moves doc to its next state in one tenant transaction on db:
// apply runs the update on the row, locked and checked against the states
// it may leave from; the audit entry joins the same transaction. doc is
// reloaded from what was committed.
func (s *Service) transition(ctx context.Context, db dal.Beginner, doc *Document, to fiscal.Status, from []fiscal.Status,
	action string, details map[string]any, apply func(tx pgx.Tx) error) error {
	err := store.TenantTx(ctx, db, doc.companyID, func(tx pgx.Tx) error {
		cur, err := scanDocument(tx.QueryRow(ctx, qLock, doc.companyID, doc.ID))
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || cur.Status == f
		}
		if !ok {
			return errInvalidTransition(cur, to)
		}
		if err := apply(tx); err != nil {
			return err
		}
		next, err := scanDocument(tx.QueryRow(ctx, qGet, doc.companyID, doc.ID))
		if err != nil {
			return err
		}
		if err := s.record(ctx, tx, next, action, details); err != nil {
			return err
		}
		related := doc.Related
		*doc = *next
		doc.companyID, doc.Related = cur.companyID, related
		return nil
	})
	if err != nil {
		return fmt.Errorf("fiscal document %s → %s: %w", doc.ID, to, err)
	}
	return nil
}

// record appends a document's transition to its company's audit log.
func (s *Service) record(ctx context.Context, tx pgx.Tx, d *Document, action string, extra map[string]any) error {
	details := map[string]any{"vertical": d.Vertical, "source_id": d.SourceID, "kind": string(d.Kind), "status": string(d.Status)}
	if d.Series != nil {
		details["series"] = *d.Series
	}
	if d.Number != nil {
		details["number"] = *d.Number
	}
	for k, v := range extra {
		details[k] = v
	}
	return audit.Record(ctx, tx, audit.Entry{CompanyID: d.companyID, Action: action, Target: "fiscal_document:" + d.ID.String(), Details: details})
}

// settings reads a company's fiscal settings (nil when none).
func (s *Service) settings(ctx context.Context, companyID uuid.UUID) (*Settings, error) {
	var st Settings
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, qGetSettings, companyID).Scan(&st.Environment, &st.AutoIssue, &st.Config, &st.UpdatedAt)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fiscal settings of %s: %w", companyID, err)
	}
	return &st, nil
}

// company reads the issuing company (companies has no company_id: read
// through the pool).
func (s *Service) company(ctx context.Context, id uuid.UUID) (Company, error) {
	c := Company{ID: id}
	var tz string
	err := s.pool.QueryRow(ctx, qCompany, id).Scan(&c.Name, &c.Country, &c.TaxID, &tz)
	if errors.Is(err, pgx.ErrNoRows) {
		return Company{}, errDocumentNotFound()
	}
	if err != nil {
		return Company{}, fmt.Errorf("read company %s: %w", id, err)
	}
	if c.Location, err = time.LoadLocation(tz); err != nil {
		c.Location = time.UTC
	}
	return c, nil
}
