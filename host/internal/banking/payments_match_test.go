package banking

import (
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// Crafted cases for matching movements to payments (and to invoices next
// to them), with known answers: want maps each matched movement to its
// targets, unresolved each unmatched movement with candidates to its
// reason.
func TestMatcherPayments(t *testing.T) {
	t.Parallel()
	const customer = "URE180429TM6"
	type mv struct {
		name, day, amount, text string
	}
	type pay struct {
		name, day, amount, method, reference string
	}
	type inv struct {
		name, day, total string
	}
	cases := []struct {
		name       string
		movements  []mv
		payments   []pay
		invoices   []inv
		want       map[string][]string
		unresolved map[string]string
	}{
		{
			name:      "a card payment settled two days later",
			movements: []mv{{"m1", "2024-05-05", "350.00", "DEPOSITO TPV"}},
			payments:  []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "card"}, {name: "p2", day: "2024-05-03", amount: "351.00", method: "card"}},
			want:      map[string][]string{"m1": {"p1"}},
		},
		{
			name:      "one deposit settles every card payment of a day",
			movements: []mv{{"m1", "2024-05-06", "1000.00", "VENTAS TARJETA"}},
			payments: []pay{
				{name: "a", day: "2024-05-04", amount: "100.00", method: "card"},
				{name: "b", day: "2024-05-04", amount: "150.00", method: "card"},
				{name: "c", day: "2024-05-04", amount: "200.00", method: "card"},
				{name: "d", day: "2024-05-04", amount: "250.00", method: "card"},
				{name: "e", day: "2024-05-04", amount: "120.00", method: "card"},
				{name: "f", day: "2024-05-04", amount: "180.00", method: "card"},
				{name: "transfer", day: "2024-05-04", amount: "300.00", method: "transfer"},
				{name: "next day", day: "2024-05-05", amount: "100.00", method: "card"},
			},
			want: map[string][]string{"m1": {"a", "b", "c", "d", "e", "f"}},
		},
		{
			name:      "one deposit settles some card payments of a day",
			movements: []mv{{"m1", "2024-05-06", "450.00", "VENTAS TARJETA"}},
			payments: []pay{
				{name: "a", day: "2024-05-04", amount: "100.00", method: "card"},
				{name: "b", day: "2024-05-04", amount: "350.00", method: "card"},
				{name: "c", day: "2024-05-04", amount: "999.00", method: "card"},
			},
			want: map[string][]string{"m1": {"a", "b"}},
		},
		{
			name:      "payments of several days are not one settlement",
			movements: []mv{{"m1", "2024-05-06", "300.00", "VENTAS TARJETA"}},
			payments: []pay{
				{name: "a", day: "2024-05-03", amount: "100.00", method: "card"},
				{name: "b", day: "2024-05-04", amount: "200.00", method: "card"},
			},
		},
		{
			name:      "a deposit before the payment cannot settle it",
			movements: []mv{{"m1", "2024-05-02", "350.00", "DEPOSITO"}},
			payments:  []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "card"}},
		},
		{
			name:       "a week later is a low score",
			movements:  []mv{{"m1", "2024-05-10", "350.00", "DEPOSITO"}},
			payments:   []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "card"}},
			unresolved: map[string]string{"m1": unresolvedLowScore},
		},
		{
			name:      "past the payment window",
			movements: []mv{{"m1", "2024-05-11", "350.00", "DEPOSITO"}},
			payments:  []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "card"}},
		},
		{
			name:       "two equal card payments are ambiguous",
			movements:  []mv{{"m1", "2024-05-05", "350.00", "DEPOSITO TPV"}},
			payments:   []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "card"}, {name: "p2", day: "2024-05-04", amount: "350.00", method: "card"}},
			unresolved: map[string]string{"m1": unresolvedAmbiguous},
		},
		{
			name:      "the reference settles it",
			movements: []mv{{"m1", "2024-05-05", "350.00", "SPEI RECIBIDO REF 7781234"}},
			payments: []pay{{name: "p1", day: "2024-05-03", amount: "350.00", method: "transfer", reference: "7781233"},
				{name: "p2", day: "2024-05-04", amount: "350.00", method: "transfer", reference: "7781234"}},
			want: map[string][]string{"m1": {"p2"}},
		},
		{
			name:       "a payment and an invoice of the same amount are ambiguous",
			movements:  []mv{{"m1", "2024-05-05", "350.00", "DEPOSITO"}},
			payments:   []pay{{name: "p1", day: "2024-05-04", amount: "350.00", method: "card"}},
			invoices:   []inv{{name: "i1", day: "2024-05-04", total: "350.00"}},
			unresolved: map[string]string{"m1": unresolvedAmbiguous},
		},
		{
			name:      "a card refund is a withdrawal",
			movements: []mv{{"m1", "2024-05-06", "-80.00", "CARGO DEVOLUCION TPV"}, {"m2", "2024-05-06", "80.00", "DEPOSITO"}},
			payments:  []pay{{name: "refund", day: "2024-05-05", amount: "-80.00", method: "card"}},
			want:      map[string][]string{"m1": {"refund"}},
		},
		{
			name:      "a subset never mixes payments and invoices",
			movements: []mv{{"m1", "2024-05-06", "300.00", "DEPOSITO " + customer}},
			payments:  []pay{{name: "p1", day: "2024-05-05", amount: "100.00", method: "card"}},
			invoices:  []inv{{name: "i1", day: "2024-05-05", total: "200.00"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &matcher{window: DefaultWindowDays, paymentWindow: DefaultPaymentWindowDays, minScore: DefaultMinScore}
			for _, x := range tc.movements {
				m.movements = append(m.movements, movementIn{id: uuid.New(), postedOn: day(x.day),
					amount: decimal.RequireFromString(x.amount), currency: "MXN", text: normalizeText(x.text)})
			}
			var names []string
			for _, x := range tc.payments {
				p := paymentRow{ref: PaymentRef{Source: "tv_pos", PaymentID: uuid.New()}, occurredAt: day(x.day).Add(18 * 3600e9),
					amount: decimal.RequireFromString(x.amount), currency: "MXN", method: x.method, reference: x.reference}
				m.targets = append(m.targets, p.target(day(x.day).Location()))
				names = append(names, x.name)
			}
			for _, x := range tc.invoices {
				m.targets = append(m.targets, targetIn{kind: targetInvoice, id: uuid.New(), uuid: uuid.NewString(), day: day(x.day),
					moneyIn: true, counterparty: customer, group: customer, total: decimal.RequireFromString(x.total), currency: "MXN"})
				names = append(names, x.name)
			}
			movements := make([]string, len(tc.movements))
			for i, x := range tc.movements {
				movements[i] = x.name
			}
			requireOutcome(t, m, movements, names, tc.want, tc.unresolved)
		})
	}
}

// The date points of a payment: full within settlementDays, then less
// each day to none at the edge of the payment window.
func TestPaymentDatePoints(t *testing.T) {
	t.Parallel()
	m := &matcher{window: DefaultWindowDays, paymentWindow: DefaultPaymentWindowDays}
	pay := targetIn{kind: targetPayment, day: day("2024-05-03")}
	for posted, want := range map[string]int{
		"2024-05-03": 20, "2024-05-04": 20, "2024-05-06": 20, "2024-05-07": 15, "2024-05-08": 10, "2024-05-09": 5, "2024-05-10": 0,
	} {
		require.Equal(t, want, m.datePoints(movementIn{postedOn: day(posted)}, &pay), posted)
	}
	require.True(t, referenceMentioned(map[string]bool{"AUT": true, "123456": true}, "AUT123456", "123456"))
	require.True(t, referenceMentioned(map[string]bool{}, "SPEIREF00123456", "00123456"), "inside a longer word")
	require.False(t, referenceMentioned(map[string]bool{"123": true}, "123", "123"), "too short to prove anything")
	require.False(t, referenceMentioned(map[string]bool{"0000": true}, "0000", "0000"))
}
