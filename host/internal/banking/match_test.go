package banking

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// errDetails returns the details of an *httpx.Error.
func errDetails(t *testing.T, err error) map[string]any {
	t.Helper()
	var he *httpx.Error
	require.True(t, errors.As(err, &he), "%v is not an *httpx.Error", err)
	return he.Details
}

// Crafted cases for the matcher with known answers. Movements and invoices
// are named; want maps each matched movement to its invoices, and
// unresolved each unmatched movement (with candidates) to its reason.
func TestMatcher(t *testing.T) {
	t.Parallel()
	const customer, other, supplier = "URE180429TM6", "XOJI740919U48", "AAA010101AAA"
	type mv struct {
		name, day, amount, text string
	}
	type inv struct {
		name, day, total, counterparty, serie, folio string
		out                                          bool
		currency                                     string
	}
	cases := []struct {
		name       string
		movements  []mv
		invoices   []inv
		want       map[string][]string
		unresolved map[string]string
	}{
		{
			name:      "one to one by RFC",
			movements: []mv{{"m1", "2024-05-03", "116.00", "SPEI RECIBIDO " + customer}},
			invoices:  []inv{{name: "i1", day: "2024-05-01", total: "116.00", counterparty: customer}, {name: "i2", day: "2024-05-01", total: "117.00", counterparty: customer}},
			want:      map[string][]string{"m1": {"i1"}},
		},
		{
			name:      "one to one by date alone",
			movements: []mv{{"m1", "2024-05-03", "116.00", "DEPOSITO"}},
			invoices:  []inv{{name: "i1", day: "2024-05-02", total: "116.00", counterparty: customer}},
			want:      map[string][]string{"m1": {"i1"}},
		},
		{
			name:       "far in the window is a low score",
			movements:  []mv{{"m1", "2024-05-28", "116.00", "DEPOSITO"}},
			invoices:   []inv{{name: "i1", day: "2024-05-02", total: "116.00", counterparty: customer}},
			unresolved: map[string]string{"m1": unresolvedLowScore},
		},
		{
			name:      "outside the window",
			movements: []mv{{"m1", "2024-07-03", "116.00", "SPEI " + customer}},
			invoices:  []inv{{name: "i1", day: "2024-05-01", total: "116.00", counterparty: customer}},
		},
		{
			name:      "wrong currency or direction",
			movements: []mv{{"m1", "2024-05-03", "116.00", customer}, {"m2", "2024-05-03", "-116.00", customer}},
			invoices: []inv{{name: "usd", day: "2024-05-01", total: "116.00", counterparty: customer, currency: "USD"},
				{name: "purchase", day: "2024-05-01", total: "116.00", counterparty: customer, out: true, currency: "USD"}},
		},
		{
			name:       "two equal invoices are ambiguous",
			movements:  []mv{{"m1", "2024-05-03", "116.00", "SPEI " + customer}},
			invoices:   []inv{{name: "i1", day: "2024-05-01", total: "116.00", counterparty: customer}, {name: "i2", day: "2024-05-02", total: "116.00", counterparty: customer}},
			unresolved: map[string]string{"m1": unresolvedAmbiguous},
		},
		{
			name:      "the folio settles it",
			movements: []mv{{"m1", "2024-05-03", "116.00", "SPEI " + customer + " FACT A-1025"}},
			invoices: []inv{{name: "i1", day: "2024-05-01", total: "116.00", counterparty: customer, serie: "A", folio: "1024"},
				{name: "i2", day: "2024-05-02", total: "116.00", counterparty: customer, serie: "A", folio: "1025"}},
			want: map[string][]string{"m1": {"i2"}},
		},
		{
			name: "two equal deposits for one invoice are ambiguous",
			movements: []mv{{"m1", "2024-05-03", "116.00", "SPEI " + customer},
				{"m2", "2024-05-03", "116.00", "SPEI " + customer}},
			invoices:   []inv{{name: "i1", day: "2024-05-01", total: "116.00", counterparty: customer}},
			unresolved: map[string]string{"m1": unresolvedAmbiguous, "m2": unresolvedAmbiguous},
		},
		{
			name:      "withdrawal pays a received invoice",
			movements: []mv{{"m1", "2024-05-04", "-1250.50", "PAGO PROVEEDOR " + supplier}},
			invoices: []inv{{name: "sale", day: "2024-05-01", total: "1250.50", counterparty: customer},
				{name: "purchase", day: "2024-05-01", total: "1250.50", counterparty: supplier, out: true}},
			want: map[string][]string{"m1": {"purchase"}},
		},
		{
			name:      "one deposit pays three invoices",
			movements: []mv{{"m1", "2024-05-10", "600.00", "SPEI " + customer}},
			invoices: []inv{{name: "a", day: "2024-05-01", total: "100.00", counterparty: customer},
				{name: "b", day: "2024-05-02", total: "200.00", counterparty: customer},
				{name: "c", day: "2024-05-03", total: "300.00", counterparty: customer},
				{name: "d", day: "2024-05-04", total: "250.00", counterparty: customer},
				{name: "x", day: "2024-05-04", total: "500.00", counterparty: other}},
			want: map[string][]string{"m1": {"a", "b", "c"}},
		},
		{
			name:      "two subsets are ambiguous",
			movements: []mv{{"m1", "2024-05-10", "300.00", "SPEI " + customer}},
			invoices: []inv{{name: "a", day: "2024-05-01", total: "100.00", counterparty: customer},
				{name: "b", day: "2024-05-02", total: "200.00", counterparty: customer},
				{name: "c", day: "2024-05-03", total: "150.00", counterparty: customer},
				{name: "d", day: "2024-05-04", total: "150.00", counterparty: customer}},
			unresolved: map[string]string{"m1": unresolvedAmbiguous},
		},
		{
			name:      "subsets do not mix counterparties",
			movements: []mv{{"m1", "2024-05-10", "300.00", "DEPOSITO"}},
			invoices: []inv{{name: "a", day: "2024-05-09", total: "100.00", counterparty: customer},
				{name: "b", day: "2024-05-09", total: "200.00", counterparty: other}},
		},
		{
			name: "two deposits wanting the same subset conflict",
			movements: []mv{{"m1", "2024-05-10", "300.00", "SPEI " + customer},
				{"m2", "2024-05-10", "300.00", "SPEI " + customer}},
			invoices: []inv{{name: "a", day: "2024-05-09", total: "100.00", counterparty: customer},
				{name: "b", day: "2024-05-09", total: "200.00", counterparty: customer}},
			unresolved: map[string]string{"m1": unresolvedConflict, "m2": unresolvedConflict},
		},
		{
			name: "a one-to-one match takes its invoice out of the subsets",
			movements: []mv{{"m1", "2024-05-10", "100.00", "SPEI " + customer},
				{"m2", "2024-05-10", "300.00", "SPEI " + customer}},
			invoices: []inv{{name: "a", day: "2024-05-09", total: "100.00", counterparty: customer},
				{name: "b", day: "2024-05-09", total: "200.00", counterparty: customer},
				{name: "c", day: "2024-05-09", total: "100.00", counterparty: other}},
			want: map[string][]string{"m1": {"a"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &matcher{window: DefaultWindowDays, minScore: DefaultMinScore}
			names := make([]string, len(tc.invoices))
			for _, x := range tc.movements {
				m.movements = append(m.movements, movementIn{id: uuid.New(), postedOn: day(x.day),
					amount: decimal.RequireFromString(x.amount), currency: "MXN", text: normalizeText(x.text)})
			}
			for i, x := range tc.invoices {
				cur := x.currency
				if cur == "" {
					cur = "MXN"
				}
				m.targets = append(m.targets, targetIn{kind: targetInvoice, id: uuid.New(), uuid: uuid.NewString(), serie: x.serie, folio: x.folio,
					day: day(x.day), moneyIn: !x.out, counterparty: x.counterparty, group: x.counterparty,
					total: decimal.RequireFromString(x.total), currency: cur})
				names[i] = x.name
			}
			movements := make([]string, len(tc.movements))
			for i, x := range tc.movements {
				movements[i] = x.name
			}
			requireOutcome(t, m, movements, names, tc.want, tc.unresolved)
		})
	}
}

// requireOutcome runs m and checks, by the movements' and targets' names,
// what it matched (each match scoring at least DefaultMinScore) and why it
// left movements unresolved (each with candidates); nil wants mean none.
func requireOutcome(t *testing.T, m *matcher, movements, targets []string, want map[string][]string, unresolved map[string]string) {
	t.Helper()
	accepted, unres := m.match()
	got := map[string][]string{}
	for _, p := range accepted {
		var ts []string
		for _, ti := range p.targets {
			ts = append(ts, targets[ti])
		}
		got[movements[p.movement]] = ts
		require.GreaterOrEqual(t, p.score, DefaultMinScore)
	}
	gotUnres := map[string]string{}
	for _, u := range unres {
		gotUnres[movements[u.movement]] = u.reason
		require.NotEmpty(t, u.candidates)
	}
	if want == nil {
		want = map[string][]string{}
	}
	if unresolved == nil {
		unresolved = map[string]string{}
	}
	require.Equal(t, want, got)
	require.Equal(t, unresolved, gotUnres)
}

func TestScore(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e")
	inv := targetIn{kind: targetInvoice, id: uuid.New(), uuid: id.String(), serie: "A", folio: "1024", day: day("2024-05-01"),
		moneyIn: true, counterparty: "URE180429TM6", total: decimal.RequireFromString("116"), currency: "MXN"}
	cases := []struct {
		text    string
		posted  string
		reasons map[string]int
	}{
		{"DEPOSITO", "2024-05-01", map[string]int{"amount": 50, "date": 20}},
		{"DEPOSITO", "2024-05-16", map[string]int{"amount": 50, "date": 10}},
		{"DEPOSITO", "2024-05-31", map[string]int{"amount": 50}},
		{"SPEI URE180429TM6", "2024-05-01", map[string]int{"amount": 50, "date": 20, "rfc": 15}},
		{"REF 6F1D5B2A", "2024-05-01", map[string]int{"amount": 50, "date": 20, "uuid": 30}},
		{"CFDI 6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e", "2024-05-01", map[string]int{"amount": 50, "date": 20, "uuid": 30}},
		{"FACTURA A1024", "2024-05-01", map[string]int{"amount": 50, "date": 20, "folio": 15}},
		{"FACTURA A 1024", "2024-05-01", map[string]int{"amount": 50, "date": 20, "folio": 15}},
		{"FOLIO 1024", "2024-05-01", map[string]int{"amount": 50, "date": 20, "folio": 15}},
		{"FOLIO 10245", "2024-05-01", map[string]int{"amount": 50, "date": 20}},
		{"URE180429TM6 A-1024 6F1D5B2A", "2024-05-01", map[string]int{"amount": 50, "date": 20, "rfc": 15, "uuid": 30, "folio": 15}},
	}
	for _, tc := range cases {
		t.Run(tc.text+" "+tc.posted, func(t *testing.T) {
			t.Parallel()
			m := &matcher{window: 30, targets: []targetIn{inv},
				movements: []movementIn{{postedOn: day(tc.posted), amount: inv.total, currency: "MXN", text: normalizeText(tc.text)}}}
			m.tokens = []map[string]bool{{}}
			for _, tok := range strings.Fields(m.movements[0].text) {
				m.tokens[0][tok] = true
			}
			c := m.score(0, []int{0}, true)
			require.Equal(t, tc.reasons, c.reasons)
			want := 0
			for _, v := range tc.reasons {
				want += v
			}
			require.Equal(t, min(want, 100), c.score)
		})
	}
}

func TestSubsetsSumming(t *testing.T) {
	t.Parallel()
	budget := subsetBudget
	got := subsetsSumming([]int64{100, 200, 300, 250}, 600, 5, 2, &budget)
	require.Equal(t, [][]int{{2, 1, 0}}, got)

	budget = subsetBudget
	got = subsetsSumming([]int64{100, 200, 150, 150}, 300, 5, 2, &budget)
	require.Len(t, got, 2)

	budget = subsetBudget
	require.Empty(t, subsetsSumming([]int64{100, 200}, 100, 5, 2, &budget), "a single invoice is not a subset")

	t.Run("the budget bounds the search", func(t *testing.T) {
		values := make([]int64, maxSubsetCandidates)
		for i := range values {
			values[i] = int64(1000 + 7*i)
		}
		budget := 500
		require.Empty(t, subsetsSumming(values, 5001, maxSubsetSize, 2, &budget))
		require.LessOrEqual(t, budget, 0)
		budget = subsetBudget
		require.Empty(t, subsetsSumming(values, 5001, maxSubsetSize, 2, &budget))
		require.Positive(t, budget, "the full search fits the budget")
	})
}

func TestMoneyIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		direction, tipo string
		in              bool
	}{{"issued", "I", true}, {"issued", "E", false}, {"received", "I", false}, {"received", "E", true}} {
		require.Equal(t, tc.in, moneyIn(tc.direction, tc.tipo), fmt.Sprint(tc))
	}
}
