package sqlsource

import (
	"slices"

	"github.com/jackc/pgx/v5/pgtype"
)

// UniversalColumns are the columns of a universal-transaction source (a
// vertical's documents as the platform's revenue transactions), in the
// order of the host's reporting views. The host's reporting and sdktest
// check a vertical's sources against them.
var UniversalColumns = []Column{
	{Name: "company_id", OID: pgtype.UUIDOID, Type: "uuid"},
	{Name: "transaction_type", OID: pgtype.TextOID, Type: "text"},
	{Name: "source_id", OID: pgtype.UUIDOID, Type: "uuid"},
	{Name: "occurred_at", OID: pgtype.TimestamptzOID, Type: "timestamptz"},
	{Name: "amount", OID: pgtype.NumericOID, Type: "numeric"},
	{Name: "currency", OID: pgtype.TextOID, Type: "text"},
	{Name: "status", OID: pgtype.TextOID, Type: "text"},
}

// NonRevenueStatuses are the statuses of universal transactions the
// revenue report leaves out: a voided sale, a cancelled invoice, a draft.
var NonRevenueStatuses = []string{"voided", "cancelled", "draft"}

// CountsAsRevenue reports whether the revenue report counts a universal
// transaction of that status.
func CountsAsRevenue(status string) bool {
	return !slices.Contains(NonRevenueStatuses, status)
}
