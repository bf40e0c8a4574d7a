package reporting

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// Source is one SELECT feeding universal_transactions_mv. It must return
// exactly the columns company_id uuid, transaction_type text, source_id
// uuid, occurred_at timestamptz, amount numeric, currency text and status
// text, with (company_id, transaction_type, source_id) unique across every
// source, and must be deterministic (no now(), random()...). Amounts are
// signed: money coming in is positive.
type Source struct {
	// Name identifies the source, e.g. "cpg_pos"; lower-case letters,
	// digits and underscores. By convention it is the transaction_type the
	// source produces, when it produces one.
	Name string
	// SQL is the SELECT, with schema-qualified table names.
	SQL string
}

// InvoicesSource maps the host's CFDI invoices (sat_invoices) into universal
// transactions: transaction_type cfdi_issued or cfdi_received, amount the
// total for an ingreso, minus the total for an egreso (credit note) and zero
// for the other types, status valid or cancelled. SetSources always
// includes it.
var InvoicesSource = Source{Name: "cfdi", SQL: invoicesSourceSQL}

// SalesType is the transaction type of the CPG vertical's point-of-sale
// rows, which ApplySaleEvent keeps in the rollup.
const SalesType = "cpg_pos"

// sourceNameRE is what a source name may look like.
var sourceNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// definitionVersion changes whenever this package changes how it builds
// the views, so that hosts rebuild them after an upgrade.
const definitionVersion = "universal-v1"

// column is one column every source must return.
type column struct {
	name string
	oid  uint32
	typ  string
}

// sourceColumns are the columns of a source, in the view's order.
var sourceColumns = []column{
	{"company_id", pgtype.UUIDOID, "uuid"},
	{"transaction_type", pgtype.TextOID, "text"},
	{"source_id", pgtype.UUIDOID, "uuid"},
	{"occurred_at", pgtype.TimestamptzOID, "timestamptz"},
	{"amount", pgtype.NumericOID, "numeric"},
	{"currency", pgtype.TextOID, "text"},
	{"status", pgtype.TextOID, "text"},
}

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
		switch {
		case !sourceNameRE.MatchString(s.Name):
			bad = append(bad, SourceError{Source: s.Name, Reason: "name must be lower-case letters, digits or '_', starting with a letter"})
		case seen[s.Name]:
			bad = append(bad, SourceError{Source: s.Name, Reason: "declared more than once"})
		case strings.TrimSpace(s.SQL) == "":
			bad = append(bad, SourceError{Source: s.Name, Reason: "SQL is empty"})
		default:
			ok = append(ok, s)
		}
		seen[s.Name] = true
	}
	slices.SortFunc(ok, func(a, b Source) int { return cmp.Compare(a.Name, b.Name) })
	return ok, bad
}

// columnsError checks the columns a source returns (names and type OIDs,
// in any order) and says what is wrong, or "".
func columnsError(names []string, oids []uint32) string {
	got := map[string]uint32{}
	for i, n := range names {
		if _, dup := got[n]; dup {
			return fmt.Sprintf("column %q is returned twice", n)
		}
		got[n] = oids[i]
	}
	var problems []string
	for _, c := range sourceColumns {
		oid, ok := got[c.name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("column %q is missing", c.name))
		case oid != c.oid:
			problems = append(problems, fmt.Sprintf("column %q must be %s (type oid %d, got %d)", c.name, c.typ, c.oid, oid))
		}
		delete(got, c.name)
	}
	extra := make([]string, 0, len(got))
	for n := range got {
		extra = append(extra, n)
	}
	slices.Sort(extra)
	for _, n := range extra {
		problems = append(problems, fmt.Sprintf("unexpected column %q", n))
	}
	return strings.Join(problems, "; ")
}

// trimSQL drops surrounding space and trailing semicolons, so a SELECT
// written as a statement can be wrapped as a subquery.
func trimSQL(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
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
