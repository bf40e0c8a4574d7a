package fiscal

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// nominate answers an Issue whose source has a document with other
// content (conflict, the error draft returned): when that document is a
// sale held for a global document and in no global yet, and in is the
// same sale invoiced to a named customer (one the GlobalIssuer does not
// hold), the held document takes in and leaves the holding as a draft,
// to be issued now as the customer's own invoice (same id; audit
// fiscal.document.named). A held sale already in a global is a 409
// fiscal_document_in_global; anything else is conflict as it was.
func (s *Service) nominate(ctx context.Context, env *Env, iss Issuer, draft *Document, in, sent fiscal.Input, conflict error) (*Document, error) {
	gi, ok := iss.(GlobalIssuer)
	if !ok || in.Kind != fiscal.KindInvoice {
		return nil, conflict
	}
	if hold, err := gi.Held(env, draft); err != nil || hold {
		return nil, cmpErr(err, conflict)
	}
	doc, err := s.GetBySource(ctx, env.Company.ID, draft.Vertical, in.Kind, in.SourceID)
	if err != nil {
		return nil, err
	}
	if doc.GlobalID != nil {
		return nil, errInGlobal(doc, "invoicing it by name needs its global cancelled with SAT's motivo 04")
	}
	if doc.Status != fiscal.StatusPendingGlobal || doc.Global {
		return nil, conflict
	}
	if doc.Currency != in.Currency || !doc.Total.Decimal.Equal(documentTotal(in)) {
		return nil, conflict
	}
	body, _, err := inputHash(in)
	if err != nil {
		return nil, err
	}
	_, hash, err := inputHash(sent)
	if err != nil {
		return nil, err
	}
	err = s.transition(ctx, s.pool, doc, fiscal.StatusDraft, []fiscal.Status{fiscal.StatusPendingGlobal}, "fiscal.document.named",
		map[string]any{"customer_tax_id": in.Customer.TaxID, "held_date": heldDate(doc)}, func(tx pgx.Tx) error {
			if err := notInGlobal(ctx, tx, doc, "invoicing it by name needs its global cancelled with SAT's motivo 04"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, qNominate, doc.companyID, doc.ID, body, hash, in.Customer.TaxID)
			return err
		})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// heldDate is the date a held sale was held with.
func heldDate(doc *Document) string {
	if doc.Input == nil {
		return ""
	}
	return doc.Input.Date
}

// voidHeld cancels a held sale in no global document: nothing was sent to
// the authority, so nothing is asked of it; the sale simply never goes
// into a global. One whose held credit notes still wait is refused (they
// would wait for ever), and one that went into a global meanwhile is a
// 409 fiscal_document_in_global.
func (s *Service) voidHeld(ctx context.Context, doc *Document, reason string) (*Document, error) {
	now := s.now().UTC()
	err := s.transition(ctx, s.pool, doc, fiscal.StatusCancelled, []fiscal.Status{fiscal.StatusPendingGlobal}, "fiscal.document.cancelled",
		map[string]any{"reason": reason, "held": true}, func(tx pgx.Tx) error {
			if err := notInGlobal(ctx, tx, doc, "it is cancelled only with it; a return is a credit note"); err != nil {
				return err
			}
			var notes int
			if err := tx.QueryRow(ctx, qHeldNotesOf, doc.companyID, doc.ID).Scan(&notes); err != nil {
				return err
			}
			if notes > 0 {
				return httpx.Conflict("fiscal_document_has_credit_notes",
					"this held sale has held credit notes (returns); it cannot be voided while they wait").
					WithDetails(map[string]any{"id": doc.ID.String(), "credit_notes": notes})
			}
			_, err := tx.Exec(ctx, qVoidHeld, doc.companyID, doc.ID, nullable(reason), now)
			return err
		})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// notInGlobal refuses, in a transition's transaction (the row locked), a
// held sale that went into a global document since it was read: the
// global's assembly locks the held rows it takes, so what is read here
// stays true until the commit.
func notInGlobal(ctx context.Context, tx pgx.Tx, doc *Document, what string) error {
	cur, err := scanDocument(tx.QueryRow(ctx, qGet, doc.companyID, doc.ID))
	if err != nil {
		return err
	}
	if cur.GlobalID != nil {
		return errInGlobal(cur, what)
	}
	return nil
}
