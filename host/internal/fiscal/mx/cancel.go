package mx

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pdf"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
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
// "04", or "01:<UUID>" naming the CFDI that replaces this one. It asks
// SAT's status service first: a CFDI SAT says is "No cancelable" (a CFDI
// in force relates it) is a 409 with SAT's words, one SAT cancelled
// already or whose cancellation is in process is answered so without a
// second request. Once the PAC has the request (201, or 202 already
// cancelled) SAT's status tells the outcome: cancelled (the invoice is
// marked cancelled with the host's invoices) or pending, waiting for the
// receiver's acceptance (CancellationStatus follows it); a status SAT
// cannot give right after the request is taken for pending too.
func (i *Issuer) Cancel(ctx context.Context, env *fiscal.Env, doc *fiscal.Document, reason string) (fiscal.CancelOutcome, error) {
	m := reasonPattern.FindStringSubmatch(strings.TrimSpace(reason))
	if m == nil || (m[1] == pac.MotivoConRelacion) != (m[2] != "") {
		return fiscal.CancelOutcome{}, httpx.Unprocessable("invalid_field", `reason: SAT's motivo "02", "03" or "04", or "01:<UUID of the replacing CFDI>"`).
			WithDetails(map[string]any{"field": "reason", "reason": "01:<uuid>, 02, 03 or 04"})
	}
	if m[1] == pac.MotivoGlobal && !doc.Global {
		return fiscal.CancelOutcome{}, httpx.Unprocessable("invalid_field", "reason: SAT's motivo 04 cancels a global CFDI (a sale to the public in general invoiced by name afterwards); this document is not one").
			WithDetails(map[string]any{"field": "reason", "reason": "04 is for a global CFDI"})
	}
	q, err := statusQuery(doc)
	if err != nil {
		return fiscal.CancelOutcome{}, err
	}
	cer, key, password, err := csdFiles(ctx, env)
	if err != nil {
		return fiscal.CancelOutcome{}, err
	}
	sw, err := i.client(ctx, env)
	if err != nil {
		return fiscal.CancelOutcome{}, err
	}
	if err := sw.Authenticate(ctx); err != nil {
		return fiscal.CancelOutcome{}, pacUnusable(err)
	}
	before, err := sw.Status(ctx, q)
	if err != nil {
		return fiscal.CancelOutcome{}, statusUnusable(doc, err)
	}
	switch {
	case before.Estado == pac.EstadoCancelado:
		return i.cancelDone(ctx, env, doc, before, "SAT motivo "+m[1])
	case before.EsCancelable == pac.NoCancelable:
		return fiscal.CancelOutcome{}, httpx.Conflict("cfdi_not_cancelable",
			"the SAT answers "+strconv.Quote(before.EsCancelable)+" for this CFDI: a CFDI in force relates it (a credit note, a payment); cancel those first").
			WithDetails(map[string]any{"id": doc.ID.String(), "sat": satWords(before)})
	case before.EstatusCancelacion == pac.CancelacionEnProceso:
		return pending(before), nil
	}
	res, err := sw.Cancel(ctx, pac.CancelRequest{RFC: env.Company.TaxID, UUID: *doc.AuthorizationCode,
		Motivo: m[1], FolioSustitucion: strings.ToUpper(m[2]), Cer: cer, Key: key, KeyPassword: password})
	var pe *pac.Error
	switch {
	case errors.Is(err, pac.ErrUnavailable):
		return fiscal.CancelOutcome{}, fiscal.Unavailable(pacService, err)
	case errors.As(err, &pe) || errors.Is(err, pac.ErrRejected):
		msg := err.Error()
		if pe != nil {
			msg = pe.Message
		}
		return fiscal.CancelOutcome{}, httpx.Unprocessable("cfdi_cancel_rejected", "the PAC refused the cancellation: "+msg)
	case err != nil:
		return fiscal.CancelOutcome{}, fmt.Errorf("mx: cancel %s: %w", doc.ID, err)
	case res.Status != cancelRequested && res.Status != cancelPrevious:
		return fiscal.CancelOutcome{}, httpx.Unprocessable("cfdi_cancel_rejected", "the SAT answered the cancellation with code "+res.Status).
			WithDetails(map[string]any{"sat_status": res.Status})
	}
	after, err := sw.Status(ctx, q)
	if err != nil {
		env.Log().Warn("SAT's status after a cancellation request unknown; following it as pending", "company_id", env.Company.ID,
			"document_id", doc.ID, "error", err)
		return pending(before), nil
	}
	if after.Estado == pac.EstadoCancelado {
		return i.cancelDone(ctx, env, doc, after, "SAT motivo "+m[1])
	}
	return pending(after), nil
}

// CancellationStatus implements fiscal.CancellationChecker: SAT's status
// of doc, whose cancellation waits for the receiver. Cancelled (accepted,
// or "Plazo vencido": three business days without an answer) marks the
// invoice cancelled too; "Solicitud rechazada" leaves the CFDI in force
// with a message saying so; anything else is still pending.
func (i *Issuer) CancellationStatus(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.CancelOutcome, error) {
	q, err := statusQuery(doc)
	if err != nil {
		return fiscal.CancelOutcome{}, err
	}
	sw, err := i.client(ctx, env)
	if err != nil {
		return fiscal.CancelOutcome{}, err
	}
	st, err := sw.Status(ctx, q)
	if err != nil {
		return fiscal.CancelOutcome{}, fmt.Errorf("mx: cancellation status of %s: %w", doc.ID, err)
	}
	switch {
	case st.Estado == pac.EstadoCancelado:
		note := "SAT: " + st.EstatusCancelacion
		return i.cancelDone(ctx, env, doc, st, note)
	case st.EstatusCancelacion == pac.SolicitudRechazada:
		return fiscal.CancelOutcome{Result: fiscal.CancelRefused, Authority: satWords(st), Messages: []sdkfiscal.Message{{
			Type: "observation", Code: "solicitud_rechazada",
			Message: "Solicitud rechazada: the receiver rejected the cancellation; the CFDI stays in force",
		}}}, nil
	default:
		return pending(st), nil
	}
}

// cancelDone marks doc's invoice cancelled: SAT cancelled the CFDI.
func (i *Issuer) cancelDone(ctx context.Context, env *fiscal.Env, doc *fiscal.Document, st *pac.SATStatus, note string) (fiscal.CancelOutcome, error) {
	if err := i.cancelInvoice(ctx, env, doc, note); err != nil {
		return fiscal.CancelOutcome{}, err
	}
	return fiscal.CancelOutcome{Result: fiscal.CancelDone, Authority: satWords(st)}, nil
}

func pending(st *pac.SATStatus) fiscal.CancelOutcome {
	return fiscal.CancelOutcome{Result: fiscal.CancelPending, Authority: satWords(st)}
}

// satWords is SAT's status as the document shows it.
func satWords(st *pac.SATStatus) map[string]any {
	return map[string]any{"estado": st.Estado, "es_cancelable": st.EsCancelable, "estatus_cancelacion": st.EstatusCancelacion}
}

// statusQuery is the SAT status query of doc's stamped CFDI.
func statusQuery(doc *fiscal.Document) (pac.StatusQuery, error) {
	if doc.AuthorizationCode == nil || len(doc.LegalDocument) == 0 {
		return pac.StatusQuery{}, fmt.Errorf("mx: %s has no stamped CFDI", doc.ID)
	}
	c, err := invoices.Parse(doc.LegalDocument)
	if err != nil {
		return pac.StatusQuery{}, fmt.Errorf("mx: the stamped CFDI of %s: %w", doc.ID, err)
	}
	return pac.StatusQueryOf(c), nil
}

// statusUnusable is the error of a status query that failed before a
// cancellation was asked for: nothing was sent.
func statusUnusable(doc *fiscal.Document, err error) error {
	if errors.Is(err, pac.ErrUnavailable) {
		return fiscal.Unavailable(satStatusService, err)
	}
	return fmt.Errorf("mx: SAT status of %s: %w", doc.ID, err)
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
