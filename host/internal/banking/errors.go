package banking

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// sqlStateUniqueViolation is the SQLSTATE of a unique-constraint violation.
const sqlStateUniqueViolation = "23505"

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == sqlStateUniqueViolation
}

// errInvalid is a 422 about one input field.
func errInvalid(code, field, message string) *httpx.Error {
	return httpx.Unprocessable(code, message).WithDetails(map[string]any{"field": field})
}

func errAccountNotFound() *httpx.Error {
	return httpx.NotFound("account_not_found", "bank account not found")
}

func errMovementNotFound(id string) *httpx.Error {
	return httpx.NotFound("movement_not_found", "bank movement not found").
		WithDetails(map[string]any{"field": "movement_id", "movement_id": id})
}

func errInvoiceNotFound(id string) *httpx.Error {
	return httpx.NotFound("invoice_not_found", fmt.Sprintf("invoice %s not found", id)).
		WithDetails(map[string]any{"field": "invoice_ids", "invoice_id": id})
}

func errPaymentNotFound(ref PaymentRef) *httpx.Error {
	return httpx.NotFound("payment_not_found", fmt.Sprintf("payment %s of source %q not found", ref.PaymentID, ref.Source)).
		WithDetails(map[string]any{"field": "payments", "source": ref.Source, "payment_id": ref.PaymentID.String()})
}

func errPaymentMatched(ref PaymentRef, matchID string) *httpx.Error {
	return httpx.Conflict("payment_already_matched", fmt.Sprintf("payment %s is already matched; undo that match first", ref.PaymentID)).
		WithDetails(map[string]any{"field": "payments", "source": ref.Source, "payment_id": ref.PaymentID.String(), "match_id": matchID})
}

// errCurrencyMismatch refuses a target (what) in another currency than
// the movement.
func errCurrencyMismatch(what, targetCurrency, movementCurrency string, details map[string]any) *httpx.Error {
	return httpx.Unprocessable("currency_mismatch",
		fmt.Sprintf("%s is in %s but the movement is in %s", what, targetCurrency, movementCurrency)).WithDetails(details)
}

func errMatchNotFound() *httpx.Error {
	return httpx.NotFound("match_not_found", "match not found")
}

func errCompanyNotFound() *httpx.Error {
	return httpx.NotFound("company_not_found", "company not found")
}

func errAccountExists(name string) *httpx.Error {
	return httpx.Conflict("account_exists", fmt.Sprintf("a bank account named %q already exists", name)).
		WithDetails(map[string]any{"field": "name"})
}

func errMovementMatched(matchID string) *httpx.Error {
	return httpx.Conflict("movement_already_matched", "the movement is already matched; undo that match first").
		WithDetails(map[string]any{"field": "movement_id", "match_id": matchID})
}

func errInvoiceMatched(invoiceID, matchID string) *httpx.Error {
	return httpx.Conflict("invoice_already_matched", fmt.Sprintf("invoice %s is already matched; undo that match first", invoiceID)).
		WithDetails(map[string]any{"field": "invoice_ids", "invoice_id": invoiceID, "match_id": matchID})
}

func errInvoiceCancelled(invoiceID string) *httpx.Error {
	return httpx.Conflict("invoice_cancelled", fmt.Sprintf("invoice %s is cancelled and pays nothing", invoiceID)).
		WithDetails(map[string]any{"field": "invoice_ids", "invoice_id": invoiceID})
}

func errMatchUndone() *httpx.Error {
	return httpx.Conflict("match_already_undone", "the match was already undone")
}

func errFileTooLarge(limit int64) *httpx.Error {
	return httpx.NewError(kind.TooLarge, "file_too_large",
		fmt.Sprintf("a statement file may have at most %d bytes", limit)).
		WithDetails(map[string]any{"max_bytes": limit})
}

func errUnsupportedMediaType(got string) *httpx.Error {
	return httpx.NewError(kind.UnsupportedMediaType, "unsupported_media_type",
		"send the statement as text/csv, application/x-ofx, or multipart/form-data with the field \"file\"").
		WithDetails(map[string]any{"content_type": got})
}
