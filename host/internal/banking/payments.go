package banking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/sqlsource"
)

// PaymentSource is a vertical's SELECT listing payments it took that may
// reach a bank account (card, transfer, wallet), declared in its manifest
// (sdk.Manifest.PaymentSources documents the columns).
type PaymentSource struct {
	// Vertical declares the source; it only names it in messages.
	Vertical string
	// Name identifies the source: lower-case letters, digits and '_'.
	Name string
	// SQL is the SELECT, with schema-qualified table names.
	SQL string
}

// PaymentRef names one payment: its source and its id there.
type PaymentRef struct {
	Source    string    `json:"source"`
	PaymentID uuid.UUID `json:"payment_id"`
}

// paymentColumns are the columns every payment source returns.
var paymentColumns = []sqlsource.Column{
	{Name: "company_id", OID: pgtype.UUIDOID, Type: "uuid"},
	{Name: "source", OID: pgtype.TextOID, Type: "text"},
	{Name: "payment_id", OID: pgtype.UUIDOID, Type: "uuid"},
	{Name: "occurred_at", OID: pgtype.TimestamptzOID, Type: "timestamptz"},
	{Name: "amount", OID: pgtype.NumericOID, Type: "numeric"},
	{Name: "currency", OID: pgtype.TextOID, Type: "text"},
	{Name: "method", OID: pgtype.TextOID, Type: "text"},
	{Name: "reference", OID: pgtype.TextOID, Type: "text"},
	{Name: "document_id", OID: pgtype.UUIDOID, Type: "uuid"},
}

// validationCompany is the company payment sources are checked as: no
// company has it, and the check reads no row anyway.
var validationCompany = uuid.Max

// errRejected rolls back the transaction a source was checked in.
var errRejected = errors.New("payment source rejected")

// InvalidPaymentSourcesError is returned by SetPaymentSources when some
// sources were left out; the others are in use.
type InvalidPaymentSourcesError struct {
	// Reasons maps each source left out to why.
	Reasons map[string]string
}

// Error implements error.
func (e *InvalidPaymentSourcesError) Error() string {
	names := make([]string, 0, len(e.Reasons))
	for n := range e.Reasons {
		names = append(names, n)
	}
	slices.Sort(names)
	msgs := make([]string, len(names))
	for i, n := range names {
		msgs[i] = "source " + n + ": " + e.Reasons[n]
	}
	return "invalid payment sources left out: " + strings.Join(msgs, "; ")
}

// paymentSQL is the SQL of the payment sources in use: the UNION ALL of
// their SELECTs, each row stamped with its source's name.
type paymentSQL struct {
	names []string
	union string
}

// SetPaymentSources checks sources (the running verticals' payment SQL)
// and makes the valid ones the payments reconciliation considers from now
// on, replacing any set before. A source is checked in a tenant
// transaction, as reconciliation runs it: it must name tables
// nexus_tenant may read and return exactly the documented columns.
// Invalid sources are left out and reported in an
// *InvalidPaymentSourcesError.
func (s *Service) SetPaymentSources(ctx context.Context, sources []PaymentSource) error {
	bad := map[string]string{}
	seen := map[string]bool{}
	valid := make([]PaymentSource, 0, len(sources))
	for _, src := range sources {
		label := src.Name
		if src.Vertical != "" {
			label = src.Vertical + "/" + src.Name
		}
		if reason := sqlsource.NameProblem(src.Name, src.SQL, seen); reason != "" {
			bad[label] = reason
			continue
		}
		src.SQL = sqlsource.Trim(src.SQL)
		var reason string
		err := store.TenantTx(ctx, s.pool, validationCompany, func(tx pgx.Tx) error {
			if reason = sqlsource.Problem(ctx, tx, src.SQL, paymentColumns); reason != "" {
				return errRejected
			}
			return nil
		})
		switch {
		case reason != "":
			bad[label] = reason
			continue
		case err != nil:
			return fmt.Errorf("set payment sources: check %s: %w", label, err)
		}
		valid = append(valid, src)
	}
	slices.SortFunc(valid, func(a, b PaymentSource) int { return strings.Compare(a.Name, b.Name) })
	set := &paymentSQL{}
	branches := make([]string, len(valid))
	for i, src := range valid {
		set.names = append(set.names, src.Name)
		// The name is a validated identifier-like word; quoting it anyway
		// keeps the literal well-formed.
		branches[i] = fmt.Sprintf(paymentBranchSQL, "'"+strings.ReplaceAll(src.Name, "'", "''")+"'", src.SQL)
	}
	set.union = strings.Join(branches, "\nUNION ALL\n")
	s.payments.Store(set)
	s.log.Info("payment sources for reconciliation", "sources", set.names)
	if len(bad) > 0 {
		return &InvalidPaymentSourcesError{Reasons: bad}
	}
	return nil
}

// paymentQuery returns query (a template whose %s is the payments' UNION
// ALL) completed, or "" when no payment source is in use.
func (s *Service) paymentQuery(query string) string {
	set := s.payments.Load()
	if set == nil || set.union == "" {
		return ""
	}
	return fmt.Sprintf(query, set.union)
}
