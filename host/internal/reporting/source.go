package reporting

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/internal/sqlsource"
)

// Source is one SELECT feeding universal_transactions_mv. It must return
// exactly the columns company_id uuid, transaction_type text, source_id
// uuid, occurred_at timestamptz, amount numeric, currency text and status
// text, with (company_id, transaction_type, source_id) unique across every
// source, and must be deterministic (no now(), random()...). Amounts are
// signed: money coming in is positive.
type Source struct {
	// Name identifies the source, e.g. "shop_pos"; lower-case letters,
	// digits and underscores. By convention it is the transaction_type the
	// source produces, when it produces one.
	Name string
	// SQL is the SELECT, with schema-qualified table names.
	SQL string
}

// InvoicesSource maps the host's CFDI invoices (sat_invoices) into universal
// transactions: transaction_type cfdi_issued or cfdi_received, amount the
// total for an ingreso (I) and minus the total for an egreso (E, a credit
// note), status valid or cancelled. Payment complements (P), transfers (T)
// and payroll (N) move no revenue and are left out. SetSources always
// includes it.
var InvoicesSource = Source{Name: "cfdi", SQL: invoicesSourceSQL}

// InvoicesType is the transaction type of the company's own (issued)
// invoices, the revenue among them; InvoiceStored and InvoiceCancelled keep
// it in the rollup.
const InvoicesType = "cfdi_issued"

// definitionVersion changes whenever this package changes how it builds
// the views, so that hosts rebuild them after an upgrade.
const definitionVersion = "universal-v1"

// sourceColumns are the columns of a source, in the view's order.
var sourceColumns = sqlsource.UniversalColumns

// SourceError says why one source was left out of the views.
type SourceError struct {
	Source string
	Reason string
}

// Error implements error.
func (e SourceError) Error() string { return "source " + e.Source + ": " + e.Reason }

// InvalidSourcesError is returned by SetSources when some sources were left
// out; the views were built from the others.
type InvalidSourcesError struct {
	Sources []SourceError
}

// Error implements error.
func (e *InvalidSourcesError) Error() string {
	msgs := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		msgs[i] = s.Error()
	}
	return "invalid universal-transaction sources left out: " + strings.Join(msgs, "; ")
}

// checkNames reports sources with a malformed or repeated name, and
// returns the others sorted by name.
func checkNames(sources []Source) ([]Source, []SourceError) {
	var bad []SourceError
	seen := map[string]bool{}
	ok := make([]Source, 0, len(sources))
	for _, s := range sources {
		if reason := sqlsource.NameProblem(s.Name, s.SQL, seen); reason != "" {
			bad = append(bad, SourceError{Source: s.Name, Reason: reason})
			continue
		}
		ok = append(ok, s)
	}
	slices.SortFunc(ok, func(a, b Source) int { return cmp.Compare(a.Name, b.Name) })
	return ok, bad
}

// definition returns the SELECT defining universal_transactions_mv for
// sources (already validated and sorted).
func definition(sources []Source) string {
	if len(sources) == 0 {
		return emptyDefinitionSQL
	}
	parts := make([]string, len(sources))
	for i, s := range sources {
		parts[i] = fmt.Sprintf(sourceSelectSQL, s.SQL)
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// sourcesHash identifies a set of sources (sorted by name) together with
// the way this package builds the views.
func sourcesHash(sources []Source) string {
	h := sha256.New()
	h.Write([]byte(definitionVersion))
	for _, s := range sources {
		fmt.Fprintf(h, "\x00%s\x00%s", s.Name, s.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sourceNames lists the names of sources.
func sourceNames(sources []Source) []string {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.Name
	}
	return names
}
