package services

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
)

func amount(s string) money.Amount { return money.AmountOf(decimal.RequireFromString(s)) }

// charge116 is a charge of 1000.00 plus 16 % IVA.
func charge116() chargeRow {
	return chargeRow{ID: "c", Currency: "MXN", Subtotal: amount("1000.00"), Tax: amount("160.00"), Total: amount("1160.00"),
		Paid: amount("0"), Credited: amount("0"), Status: ChargeOpen}
}

// TestSplitCredit: a credit splits into net and IVA in the charge's
// proportion, rounded to the centavo; the credit that completes the
// charge takes exactly what is left of each; many small credits never
// take more IVA or net than the charge has; more than is left is 422.
func TestSplitCredit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		credited        string
		priorNet, prior string
		amount          string
		net, tax        string
	}{
		{"part", "0", "0", "0", "400.00", "344.83", "55.17"},
		{"all at once", "0", "0", "0", "1160.00", "1000.00", "160.00"},
		{"the rest", "400.00", "344.83", "55.17", "760.00", "655.17", "104.83"},
		{"IVA already used up", "464.00", "304.00", "160.00", "0.04", "0.04", "0.00"},
		{"net already used up", "1000.00", "1000.00", "0.00", "1.00", "0.00", "1.00"},
	} {
		ch := charge116()
		ch.Credited = amount(tc.credited)
		prior := creditSums{Net: decimal.NewNullDecimal(decimal.RequireFromString(tc.priorNet)), Tax: decimal.NewNullDecimal(decimal.RequireFromString(tc.prior))}
		net, tax, err := splitCredit(ch, prior, decimal.RequireFromString(tc.amount))
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.net, net.StringFixed(2), tc.name)
		require.Equal(t, tc.tax, tax.StringFixed(2), tc.name)
	}

	// A hundred credits of 0.04 and the rest: the sums are the charge's.
	ch := charge116()
	var sums creditSums
	sums.Net.Valid, sums.Tax.Valid = true, true
	for i := range 101 {
		a := decimal.RequireFromString("0.04")
		if i == 100 {
			a = ch.Total.Sub(ch.Credited.Decimal)
		}
		net, tax, err := splitCredit(ch, sums, a)
		require.NoError(t, err)
		require.False(t, net.IsNegative() || tax.IsNegative())
		require.True(t, net.Add(tax).Equal(a))
		sums.Net.Decimal, sums.Tax.Decimal = sums.Net.Decimal.Add(net), sums.Tax.Decimal.Add(tax)
		ch.Credited = money.AmountOf(ch.Credited.Add(a))
	}
	require.Equal(t, "1000.00", sums.Net.Decimal.StringFixed(2))
	require.Equal(t, "160.00", sums.Tax.Decimal.StringFixed(2))

	ch = charge116()
	ch.Credited = amount("1000.00")
	_, _, err := splitCredit(ch, creditSums{}, decimal.RequireFromString("160.01"))
	var se *sdk.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "over_credit", se.Code)
	require.Equal(t, "160.00", se.Details["creditable"])
}

// TestCreditEvent: the charge's transition after a credit.
func TestCreditEvent(t *testing.T) {
	t.Parallel()
	ch := charge116()
	require.Empty(t, creditEvent(ch, decimal.RequireFromString("400")))
	require.Equal(t, eventCreditAll, creditEvent(ch, decimal.RequireFromString("1160")))
	ch.Paid, ch.Status = amount("760.00"), ChargePartiallyPaid
	require.Equal(t, eventSettle, creditEvent(ch, decimal.RequireFromString("400")))
	ch.Paid, ch.Status = amount("1160.00"), ChargePaid
	require.Empty(t, creditEvent(ch, decimal.RequireFromString("400")), "a paid charge stays paid")
	require.Equal(t, eventCreditAll, creditEvent(ch, decimal.RequireFromString("1160")))
}

// TestFiscalOutcome: what a charge or credit records of an issuance.
func TestFiscalOutcome(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	prev := fiscalState{FiscalAttempts: 2}
	id := uuid.New()
	series, number, cae := "30712345671-0002-006", int64(7), "76000000000001"

	set, ok := fiscalOutcome(prev, fiscal.Document{ID: id, Status: fiscal.StatusAuthorized, Series: &series, Number: &number, AuthorizationCode: &cae}, nil, now)
	require.True(t, ok)
	require.Equal(t, "authorized", set["fiscal_status"])
	require.Equal(t, id.String(), set["fiscal_document_id"])
	require.Equal(t, &cae, set["fiscal_authorization_code"])
	require.Nil(t, set["fiscal_error_code"])
	require.Equal(t, 3, set["fiscal_attempts"])

	rejected := fiscal.Document{ID: id, Status: fiscal.StatusRejected, Messages: []fiscal.Message{{Type: "error", Code: "10016"}}}
	set, ok = fiscalOutcome(prev, rejected, sdk.RejectedFiscalDocument(rejected), now)
	require.True(t, ok)
	require.Equal(t, "rejected", set["fiscal_status"])
	require.Equal(t, "10016", set["fiscal_error_code"])

	for code, status := range map[string]string{"fiscal_service_unavailable": "pending", "fiscal_outcome_unknown": "requested", "invalid_field": "pending"} {
		set, ok = fiscalOutcome(prev, fiscal.Document{}, &sdk.Error{Kind: kind.Unavailable, Code: code}, now)
		require.True(t, ok, code)
		require.Equal(t, status, set["fiscal_status"], code)
		require.Equal(t, code, set["fiscal_error_code"], code)
		require.Nil(t, set["fiscal_document_id"], code)
	}
	_, ok = fiscalOutcome(prev, fiscal.Document{}, &sdk.Error{Kind: kind.Unavailable, Code: "database_unavailable"}, now)
	require.False(t, ok, "a failure of the unit of work is no answer about the document")
}
