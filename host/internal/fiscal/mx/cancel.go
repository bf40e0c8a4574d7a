package mx

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pdf"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// reasonPattern is a cancellation reason: SAT's motivo, and for 01 the
// UUID of the CFDI that replaces the cancelled one ("01:<uuid>").
var reasonPattern = regexp.MustCompile(`^(0[1-4])(?:[: ]([0-9a-fA-F-]{36}))?$`)

// SAT's answers to a cancellation request that mean it is under way or
// done.
const (
	cancelRequested = "201"
	cancelPrevious  = "202"
)

// Cancel implements fiscal.Issuer: reason is SAT's motivo, "02", "03" or
// "04", or "01:<UUID>" naming the CFDI that replaces this one. Once the
// PAC accepted it (201, or 202 already cancelled) the invoice is marked
// cancelled with the host's invoices.
func (i *Issuer) Cancel(ctx context.Context, env *fiscal.Env, doc *fiscal.Document, reason string) error {
	m := reasonPattern.FindStringSubmatch(strings.TrimSpace(reason))
	if m == nil || (m[1] == pac.MotivoConRelacion) != (m[2] != "") {
		return httpx.Unprocessable("invalid_field", `reason: SAT's motivo "02", "03" or "04", or "01:<UUID of the replacing CFDI>"`).
			WithDetails(map[string]any{"field": "reason", "reason": "01:<uuid>, 02, 03 or 04"})
	}
	if doc.AuthorizationCode == nil || len(doc.LegalDocument) == 0 {
		return fmt.Errorf("mx: cancel %s: no stamped CFDI", doc.ID)
	}
	cer, key, password, err := csdFiles(ctx, env)
	if err != nil {
		return err
	}
	sw, err := i.client(ctx, env)
	if err != nil {
		return err
	}
	if err := sw.Authenticate(ctx); err != nil {
		return pacUnusable(err)
	}
	res, err := sw.Cancel(ctx, pac.CancelRequest{RFC: env.Company.TaxID, UUID: *doc.AuthorizationCode,
		Motivo: m[1], FolioSustitucion: strings.ToUpper(m[2]), Cer: cer, Key: key, KeyPassword: password})
	var pe *pac.Error
	switch {
	case errors.Is(err, pac.ErrUnavailable):
		return fiscal.Unavailable(pacService, err)
	case errors.As(err, &pe) || errors.Is(err, pac.ErrRejected):
		msg := err.Error()
		if pe != nil {
			msg = pe.Message
		}
		return httpx.Unprocessable("cfdi_cancel_rejected", "the PAC refused the cancellation: "+msg)
	case err != nil:
		return fmt.Errorf("mx: cancel %s: %w", doc.ID, err)
	case res.Status != cancelRequested && res.Status != cancelPrevious:
		return httpx.Unprocessable("cfdi_cancel_rejected", "the SAT answered the cancellation with code "+res.Status).
			WithDetails(map[string]any{"sat_status": res.Status})
	}
	return i.cancelInvoice(ctx, env, doc, "SAT motivo "+m[1])
}

// cancelInvoice marks the stored invoice of doc cancelled; one already
// cancelled is left as it is.
func (i *Issuer) cancelInvoice(ctx context.Context, env *fiscal.Env, doc *fiscal.Document, note string) error {
	id, err := i.ingest(ctx, env, doc.LegalDocument)
	if err != nil {
		return fmt.Errorf("mx: find the invoice of %s: %w", doc.ID, err)
	}
	_, err = i.invoices.Cancel(ctx, env.Company.ID, uuid.Nil, id, note)
	var he *httpx.Error
	if errors.As(err, &he) && he.Code == "invalid_transition" {
		return nil
	}
	return err
}

// Printable implements fiscal.Issuer: the PDF with SAT's verification QR.
// It also stores the stamped CFDI with the invoices if storing it failed
// when it was stamped (an identical upload changes nothing).
func (i *Issuer) Printable(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Printable, error) {
	if _, err := i.ingest(ctx, env, doc.LegalDocument); err != nil {
		env.Log().Warn("stamped CFDI not stored with the invoices", "company_id", env.Company.ID, "document_id", doc.ID, "error", err)
	}
	at := doc.UpdatedAt
	if doc.AuthorizedAt != nil {
		at = *doc.AuthorizedAt
	}
	body, err := pdf.Render(doc.LegalDocument, at.UTC().Truncate(time.Second))
	if err != nil {
		return fiscal.Printable{}, fmt.Errorf("mx: printable of %s: %w", doc.ID, err)
	}
	name := "cfdi"
	if doc.Series != nil && doc.Number != nil {
		name = fmt.Sprintf("cfdi-%s-%d", *doc.Series, *doc.Number)
	}
	return fiscal.Printable{ContentType: "application/pdf", Filename: name + ".pdf", Body: body}, nil
}
