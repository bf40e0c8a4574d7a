package reporting

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/sqlsource"
)

func TestColumnsError(t *testing.T) {
	t.Parallel()
	good := []string{"company_id", "transaction_type", "source_id", "occurred_at", "amount", "currency", "status"}
	goodOIDs := []uint32{pgtype.UUIDOID, pgtype.TextOID, pgtype.UUIDOID, pgtype.TimestamptzOID, pgtype.NumericOID, pgtype.TextOID, pgtype.TextOID}
	for _, c := range []struct {
		name  string
		names []string
		oids  []uint32
		want  string
	}{
		{"exact", good, goodOIDs, ""},
		{"any order", []string{"status", "currency", "amount", "occurred_at", "source_id", "transaction_type", "company_id"},
			[]uint32{pgtype.TextOID, pgtype.TextOID, pgtype.NumericOID, pgtype.TimestamptzOID, pgtype.UUIDOID, pgtype.TextOID, pgtype.UUIDOID}, ""},
		{"missing", good[:6], goodOIDs[:6], `column "status" is missing`},
		{"varchar", good, append(append([]uint32{}, goodOIDs[:5]...), pgtype.VarcharOID, pgtype.TextOID), `column "currency" must be text`},
		{"timestamp", good, append(append([]uint32{}, goodOIDs[:3]...), pgtype.TimestampOID, pgtype.NumericOID, pgtype.TextOID, pgtype.TextOID), `column "occurred_at" must be timestamptz`},
		{"extra", append(append([]string{}, good...), "x"), append(append([]uint32{}, goodOIDs...), pgtype.Int4OID), `unexpected column "x"`},
		{"twice", append(append([]string{}, good...), "amount"), append(append([]uint32{}, goodOIDs...), pgtype.NumericOID), `column "amount" is returned twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := sqlsource.ColumnsProblem(sourceColumns, c.names, c.oids)
			if c.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, c.want)
		})
	}
}

func TestCheckNamesAndDefinition(t *testing.T) {
	t.Parallel()
	ok, bad := checkNames([]Source{
		{Name: "zeta", SQL: "SELECT 1"},
		{Name: "alpha", SQL: "SELECT 2;"},
		{Name: "alpha", SQL: "SELECT 3"},
		{Name: "9lives", SQL: "SELECT 4"},
		{Name: "empty", SQL: "  "},
	})
	require.Equal(t, []string{"alpha", "zeta"}, sourceNames(ok))
	require.Len(t, bad, 3)

	ok[0].SQL = sqlsource.Trim(ok[0].SQL)
	require.Equal(t, "SELECT 2", ok[0].SQL)
	def := definition(ok)
	require.Equal(t, 1, strings.Count(def, "UNION ALL"))
	require.Less(t, strings.Index(def, "SELECT 2"), strings.Index(def, "SELECT 1"), "sources in name order")
	require.Equal(t, emptyDefinitionSQL, definition(nil))

	require.Equal(t, sourcesHash(ok), sourcesHash(append([]Source{}, ok...)))
	require.NotEqual(t, sourcesHash(ok), sourcesHash(ok[:1]))
	require.NotEqual(t, sourcesHash(ok), sourcesHash([]Source{ok[0], {Name: "zeta", SQL: "SELECT 1 "}}))
}

func TestRevenueQueryValidate(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, len(s)) }
	for _, c := range []struct {
		name  string
		q     RevenueQuery
		field string
	}{
		{"defaults to transaction_type", RevenueQuery{From: d(""), To: d("")}, ""},
		{"month", RevenueQuery{From: d(""), To: d("xx"), GroupBy: GroupByMonth}, ""},
		{"no dates", RevenueQuery{}, "from"},
		{"reversed", RevenueQuery{From: d("x"), To: d("")}, "to"},
		{"group", RevenueQuery{From: d(""), To: d(""), GroupBy: "year"}, "group_by"},
		{"longest", RevenueQuery{From: d(""), To: d("").AddDate(0, 0, MaxRevenueDays-1)}, ""},
		{"too long", RevenueQuery{From: d(""), To: d("").AddDate(0, 0, MaxRevenueDays)}, "to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q := c.q
			err := q.validate()
			if c.field == "" {
				require.NoError(t, err)
				require.NotEmpty(t, q.GroupBy)
				return
			}
			require.Error(t, err)
			require.Equal(t, c.field, invalidField(err))
		})
	}
}

// invalidField is the field named by an invalid_query error.
func invalidField(err error) string {
	f, _ := httpx.AsError(err).Details["field"].(string)
	return f
}

func TestApplyEventValidation(t *testing.T) {
	t.Parallel()
	ok := RollupDelta{At: t0, Type: posType, Currency: "MXN", Amount: decimal.NewFromInt(1), Count: 1}
	for _, c := range []struct {
		name    string
		company uuid.UUID
		tz      *time.Location
		mutate  func(*RollupDelta)
		want    string
	}{
		{"no company", uuid.Nil, time.UTC, func(*RollupDelta) {}, "no company id"},
		{"no zone", uuid.New(), nil, func(*RollupDelta) {}, "no time zone"},
		{"no time", uuid.New(), time.UTC, func(d *RollupDelta) { d.At = time.Time{} }, "no transaction time"},
		{"no type", uuid.New(), time.UTC, func(d *RollupDelta) { d.Type = "" }, "required"},
		{"no currency", uuid.New(), time.UTC, func(d *RollupDelta) { d.Currency = "" }, "required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := ok
			c.mutate(&d)
			require.ErrorContains(t, ApplyDelta(t.Context(), nil, c.company, c.tz, d), c.want)
		})
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0": "0.00", "100": "100.00", "12.5": "12.50", "-20": "-20.00", "1.005": "1.005", "1484.25": "1484.25",
	} {
		require.Equal(t, want, formatAmount(decimal.RequireFromString(in)), in)
		require.Equal(t, want, normalizeAmount(in), in)
	}
	require.Equal(t, "x", normalizeAmount("x"))
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	_, err := New(Config{})
	require.ErrorContains(t, err, "Pool is required")

	// pgxpool connects lazily: nothing is dialled here.
	pool, err := pgxpool.New(t.Context(), "postgres://nobody@127.0.0.1:1/none")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = New(Config{Pool: pool, Debounce: -time.Second})
	require.ErrorContains(t, err, "negative duration")
	s, err := New(Config{Pool: pool, Interval: 10 * time.Minute})
	require.NoError(t, err)
	require.Equal(t, 10*time.Minute, s.cfg.SLA, "the SLA defaults to the interval")
	require.Equal(t, time.Minute, s.cfg.CompanyRefreshEvery)
	require.NotNil(t, s.cfg.Limiter)
	require.Equal(t, DefaultDebounce, s.cfg.Debounce)
	require.Equal(t, DefaultMinAge, s.cfg.MinAge)
	require.Equal(t, DefaultLockWait, s.cfg.LockWait)
	require.Equal(t, DefaultDriftDays, s.cfg.DriftDays)
	require.Equal(t, "10000", s.cfg.BigTransaction.String())
	require.NotNil(t, s.cfg.RollupTypes, "an empty list, never NULL in SQL")
	require.NotEqual(t, s.lockA, s.lockB)
}

func TestCheckEvery(t *testing.T) {
	t.Parallel()
	for interval, want := range map[time.Duration]time.Duration{
		time.Hour:        5 * time.Minute,
		12 * time.Minute: time.Minute,
		time.Second:      time.Second,
		24 * time.Hour:   5 * time.Minute,
	} {
		s := &Service{cfg: Config{Interval: interval}}
		require.Equal(t, want, s.checkEvery(), interval)
	}
}

func TestPattern(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		topics []string
		want   string
	}{
		{nil, ""},
		{[]string{"x.sale.created"}, "x.sale.created"},
		{[]string{"x.sale.created", "x.sale.voided", "x.sale.returned"}, "x.sale.*"},
		{[]string{"x.sale.created", "x.charge.created"}, "x.*.created"},
		{[]string{"x.sale.created", "y.charge.posted"}, "*.*.*"},
		{[]string{"x.sale.created", "x.sale.line.added"}, "x.sale.#"},
		{[]string{"x.sale.created", "x.charge.line.added"}, "x.#"},
		{[]string{"x.sale.created", "y.charge.line.added"}, "#"},
	} {
		require.Equal(t, c.want, Pattern(c.topics...), "%v", c.topics)
	}
}
