package sdktest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/internal/manifest"
	"github.com/nexuspos/nexus/internal/sqlsource"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// revenueRowsSQL reads one company's rows of a universal source (its
// SELECT substituted at %s), as the host's reporting views hold them.
const revenueRowsSQL = `SELECT s.transaction_type, s.source_id::text, s.occurred_at, s.amount::text, s.currency, s.status
FROM (%s) AS s
WHERE s.company_id = $1
ORDER BY s.occurred_at, s.transaction_type, s.source_id`

// RevenueRow is one universal transaction a vertical contributes to the
// platform's revenue report: a row of one of its UniversalSources.
type RevenueRow struct {
	// Source is the universal source's name.
	Source     string
	Type       string
	SourceID   string
	OccurredAt time.Time
	// Amount is signed: money in is positive, a refund negative.
	Amount   decimal.Decimal
	Currency string
	Status   string
	// Counts is false for a status the revenue report leaves out
	// (voided, cancelled, draft).
	Counts bool
}

// checkRevenue refuses, as the host leaves them out (and lists the
// vertical as degraded), revenue events that do not name one of the
// vertical's universal sources and, with a database, universal sources
// whose SELECT does not return the universal columns.
func (h *host) checkRevenue(t testing.TB, m *nexusv1.Manifest) {
	t.Helper()
	var problems []string
	_, bad := manifest.RevenueEvents(m)
	for _, topic := range slices.Sorted(maps.Keys(bad)) {
		problems = append(problems, "revenue event "+topic+": "+bad[topic])
	}
	seen := map[string]bool{}
	for _, s := range m.GetUniversalSources() {
		reason := sqlsource.NameProblem(s.GetName(), s.GetSql(), seen)
		if reason == "" && h.pool != nil {
			ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
			reason = sqlsource.Problem(ctx, h.pool, sqlsource.Trim(s.GetSql()), sqlsource.UniversalColumns)
			cancel()
		}
		if reason != "" {
			problems = append(problems, "universal source "+s.GetName()+": "+reason)
		}
	}
	if len(problems) > 0 {
		t.Fatalf("sdktest: the host would leave out part of vertical %s's revenue declaration:\n%s", m.GetName(), strings.Join(problems, "\n"))
	}
}

// Revenue returns the universal transactions the vertical contributes to
// the revenue report of the harness's company: the rows of each of its
// UniversalSources for that company, read as the host's reporting views
// read them (by the host, every company's rows filtered by company), by
// time, type and id. It needs WithDatabase.
func (h *Harness) Revenue() []RevenueRow {
	h.t.Helper()
	if h.host.pool == nil {
		h.t.Fatalf("sdktest: Revenue reads the database; use sdktest.WithDatabase()")
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	var out []RevenueRow
	for _, s := range h.manifest.GetUniversalSources() {
		rows, err := h.host.pool.Query(ctx, fmt.Sprintf(revenueRowsSQL, sqlsource.Trim(s.GetSql())), h.company.ID)
		if err != nil {
			h.t.Fatalf("sdktest: universal source %s: %v", s.GetName(), err)
		}
		r := RevenueRow{Source: s.GetName()}
		var amount string
		_, err = pgx.ForEachRow(rows, []any{&r.Type, &r.SourceID, &r.OccurredAt, &amount, &r.Currency, &r.Status}, func() error {
			var err error
			if r.Amount, err = decimal.NewFromString(amount); err != nil {
				return fmt.Errorf("amount %q: %w", amount, err)
			}
			r.OccurredAt = r.OccurredAt.UTC()
			r.Counts = sqlsource.CountsAsRevenue(r.Status)
			out = append(out, r)
			return nil
		})
		if err != nil {
			h.t.Fatalf("sdktest: universal source %s: %v", s.GetName(), err)
		}
	}
	slices.SortStableFunc(out, func(a, b RevenueRow) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out
}
