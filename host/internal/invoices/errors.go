package invoices

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// rejected turns a parser rejection into a 422 naming the field; anything
// else passes through unchanged.
func rejected(err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	details := map[string]any{"field": fe.Field}
	for k, v := range fe.Details {
		details[k] = v
	}
	return httpx.Unprocessable(fe.Code, fe.Field+": "+fe.Message).WithDetails(details)
}

func errInvoiceNotFound() *httpx.Error {
	return httpx.NotFound("invoice_not_found", "invoice not found")
}

func errCompanyNotFound() *httpx.Error {
	return httpx.NotFound("company_not_found", "company not found")
}

func errDuplicateUUID(uuid, id string) *httpx.Error {
	return httpx.Conflict("duplicate_uuid",
		fmt.Sprintf("an invoice with UUID %s was already uploaded with different content", uuid)).
		WithDetails(map[string]any{"field": "Comprobante.Complemento.TimbreFiscalDigital.UUID", "uuid": uuid, "invoice_id": id})
}

func errNotCompanyInvoice(emisor, receptor string) *httpx.Error {
	return httpx.Unprocessable("rfc_not_company",
		fmt.Sprintf("neither the Emisor RFC %s nor the Receptor RFC %s is the company's RFC", emisor, receptor)).
		WithDetails(map[string]any{"field": "Comprobante.Receptor.Rfc", "emisor_rfc": emisor, "receptor_rfc": receptor})
}

func errInvalidTransition(from, to string) *httpx.Error {
	return httpx.Conflict("invalid_transition", fmt.Sprintf("an invoice that is %s cannot become %s", from, to)).
		WithDetails(map[string]any{"from": from, "to": to, "event": "cancel"})
}

func errInvoiceReconciled(matchID string) *httpx.Error {
	return httpx.Conflict("invoice_reconciled",
		"the invoice is matched to a bank movement; undo the match before cancelling it").
		WithDetails(map[string]any{"match_id": matchID})
}

func errFileTooLarge(limit int64) *httpx.Error {
	return httpx.NewError(kind.TooLarge, "file_too_large",
		fmt.Sprintf("a CFDI file may have at most %d bytes", limit)).
		WithDetails(map[string]any{"max_bytes": limit})
}

func errUnsupportedMediaType(got string) *httpx.Error {
	return httpx.NewError(kind.UnsupportedMediaType, "unsupported_media_type",
		"send the CFDI as application/xml or text/xml, or several as multipart/form-data in the field \"files\"").
		WithDetails(map[string]any{"content_type": got})
}
