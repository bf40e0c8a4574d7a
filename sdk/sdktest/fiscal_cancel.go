package sdktest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// FiscalCancellation is what the harness's fiscal service does when a
// vertical cancels an authorized document.
type FiscalCancellation string

// Fiscal cancellations.
const (
	// FiscalCancelAtOnce cancels the document at once (the default), as
	// the host does when the authority cancels without the receiver.
	FiscalCancelAtOnce FiscalCancellation = "at_once"
	// FiscalCancelPending answers the document in
	// fiscal.StatusCancellationRequested, as the host does while SAT waits
	// for the receiver's acceptance of a CFDI's cancellation; it is still
	// in force, and cancelling it again answers it as it is.
	// AcceptCancellation and RejectCancellation then do what the host's
	// job records once SAT knows the receiver's answer.
	FiscalCancelPending FiscalCancellation = "pending"
)

// Message of a cancellation the receiver rejected, as the host records it.
const (
	cancelRejectedCode    = "solicitud_rechazada"
	cancelRejectedMessage = "Solicitud rechazada: the receiver rejected the cancellation; the CFDI stays in force"
)

// SetFiscalCancellation sets what the next cancellations do. With
// FiscalCancelPending a vertical's unit test follows a cancellation that
// waits for the receiver, then its outcome:
//
//	h.SetFiscalCancellation(sdktest.FiscalCancelPending)
//	res := h.Do(http.MethodPost, "/sales/s1/invoice/cancel", `{"reason":"02"}`)
//	// the vertical answered the document in fiscal.StatusCancellationRequested
//	require.NoError(t, h.RejectCancellation(doc.ID))
//	// the document is authorized again, with the message solicitud_rechazada;
//	// AcceptCancellation would have made it cancelled.
func (h *Harness) SetFiscalCancellation(c FiscalCancellation) {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	h.host.fiscal.cancellation = c
}

// AcceptCancellation records that the receiver accepted the pending
// cancellation of document id (or SAT's three business days passed): it
// becomes cancelled, as the host's job records it.
func (h *Harness) AcceptCancellation(id uuid.UUID) error {
	return h.endCancellation(id, func(d *fiscalDoc, now time.Time) {
		d.doc.Status, d.doc.CancelledAt = fiscal.StatusCancelled, &now
		d.doc.Details["cancellation"] = cancellationDetails(d)
	})
}

// RejectCancellation records that the receiver rejected the pending
// cancellation of document id: it is authorized again, in force, with
// the host's observation solicitud_rechazada in its Messages.
func (h *Harness) RejectCancellation(id uuid.UUID) error {
	return h.endCancellation(id, func(d *fiscalDoc, _ time.Time) {
		d.doc.Status, d.doc.CancelReason = fiscal.StatusAuthorized, nil
		d.doc.Messages = append(d.doc.Messages, fiscal.Message{Type: "observation", Code: cancelRejectedCode, Message: cancelRejectedMessage})
		d.doc.Details["cancellation"] = cancellationDetails(d)
	})
}

// endCancellation ends the pending cancellation of document id with end.
func (h *Harness) endCancellation(id uuid.UUID, end func(d *fiscalDoc, now time.Time)) error {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	d, ok := h.host.fiscal.byID[id]
	if !ok {
		return fmt.Errorf("sdktest: no fiscal document %s", id)
	}
	if d.doc.Status != fiscal.StatusCancellationRequested {
		return fmt.Errorf("sdktest: fiscal document %s is %s, not %s", id, d.doc.Status, fiscal.StatusCancellationRequested)
	}
	now := time.Now().UTC()
	end(d, now)
	d.doc.UpdatedAt = now
	return nil
}

// cancellationDetails is Details["cancellation"] of d without its next
// check, as the host keeps it once the cancellation ended.
func cancellationDetails(d *fiscalDoc) map[string]any {
	c := map[string]any{}
	if prev, ok := d.doc.Details["cancellation"].(map[string]any); ok {
		for k, v := range prev {
			c[k] = v
		}
	}
	delete(c, "next_check_at")
	return c
}

// CancelFiscalDocument implements nexusv1.HostClient: an authorized
// document of the call's company becomes cancelled, or
// cancellation_requested under FiscalCancelPending; a pending one is
// answered as it is; a held invoice is voided (voidHeld).
func (h *host) CancelFiscalDocument(ctx context.Context, in *nexusv1.CancelFiscalDocumentRequest, _ ...grpc.CallOption) (*nexusv1.FiscalDocumentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.fiscalDoc(cl, in.GetId())
	if d == nil {
		return nil, fiscalError(kind.NotFound, "fiscal_document_not_found", "no such fiscal document", nil)
	}
	if d.doc.Status == fiscal.StatusCancellationRequested {
		return fiscalAnswer(d.doc)
	}
	if d.doc.Status == fiscal.StatusPendingGlobal && d.doc.Kind == fiscal.KindInvoice {
		return h.voidHeld(d, in.GetReason())
	}
	if d.doc.Status != fiscal.StatusAuthorized {
		return nil, fiscalError(kind.Conflict, "invalid_transition", fmt.Sprintf("a %s fiscal document cannot become cancelled", d.doc.Status),
			map[string]any{"id": d.doc.ID.String(), "status": string(d.doc.Status), "to": "cancelled"})
	}
	now := time.Now().UTC()
	reason := in.GetReason()
	d.doc.CancelReason, d.doc.UpdatedAt = &reason, now
	if h.fiscal.cancellation != FiscalCancelPending {
		d.doc.Status, d.doc.CancelledAt = fiscal.StatusCancelled, &now
		return fiscalAnswer(d.doc)
	}
	if d.doc.Details == nil {
		d.doc.Details = map[string]any{}
	}
	d.doc.Status = fiscal.StatusCancellationRequested
	d.doc.Details["cancellation"] = map[string]any{"requested_at": now.Format(time.RFC3339Nano),
		"next_check_at": now.Add(5 * time.Minute).Format(time.RFC3339Nano)}
	return fiscalAnswer(d.doc)
}

// voidHeld does what the host does with a held sale cancelled before its
// global document: cancelled at once, nothing sent; 409
// fiscal_document_has_credit_notes while a credit note of it is held. The
// caller holds h.mu.
func (h *host) voidHeld(d *fiscalDoc, reason string) (*nexusv1.FiscalDocumentResponse, error) {
	notes := 0
	for _, o := range h.fiscal.byID {
		if o.company == d.company && o.doc.Kind == fiscal.KindCreditNote && o.doc.Status == fiscal.StatusPendingGlobal &&
			o.doc.RelatedID != nil && *o.doc.RelatedID == d.doc.ID {
			notes++
		}
	}
	if notes > 0 {
		return nil, fiscalError(kind.Conflict, "fiscal_document_has_credit_notes",
			"this held sale has held credit notes (returns); it cannot be voided while they wait",
			map[string]any{"id": d.doc.ID.String(), "credit_notes": notes})
	}
	now := time.Now().UTC()
	d.doc.Status, d.doc.CancelReason, d.doc.CancelledAt, d.doc.UpdatedAt = fiscal.StatusCancelled, &reason, &now, now
	return fiscalAnswer(d.doc)
}
