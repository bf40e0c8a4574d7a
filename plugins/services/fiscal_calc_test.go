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

	for _, tc := range []struct {
		err         *sdk.Error
		status      string
		field       any
		nextAttempt any
	}{
		// The authority unavailable or its outcome unknown: retried once
		// due, the fourth attempt a minute after the third.
		{&sdk.Error{Kind: kind.Unavailable, Code: "fiscal_service_unavailable"}, "pending", nil, now.Add(time.Minute)},
		{&sdk.Error{Kind: kind.Unavailable, Code: "fiscal_outcome_unknown"}, "requested", nil, now.Add(time.Minute)},
		// The document's own data refused: needs_data with the field, no
		// next attempt.
		{sdk.InvalidField("customer.postal_code", "the receiver's fiscal postal code"), "needs_data", "customer.postal_code", nil},
		{sdk.InvalidField("payment.form", "how it was paid"), "needs_data", "payment.form", nil},
		{&sdk.Error{Kind: kind.Conflict, Code: "fiscal_document_conflict"}, "needs_data", nil, nil},
		// The company's setup refused: retried, its admins fix it.
		{&sdk.Error{Kind: kind.Unprocessable, Code: "fiscal_credentials_missing"}, "pending", nil, now.Add(time.Minute)},
		{sdk.InvalidField("config.lugar_expedicion", "a postal code"), "pending", nil, now.Add(time.Minute)},
	} {
		set, ok = fiscalOutcome(prev, fiscal.Document{}, tc.err, now)
		require.True(t, ok, tc.err.Code)
		require.Equal(t, tc.status, set["fiscal_status"], tc.err)
		require.Equal(t, tc.err.Code, set["fiscal_error_code"], tc.err)
		require.Equal(t, tc.field, set["fiscal_error_field"], tc.err)
		require.Equal(t, tc.nextAttempt, set["fiscal_next_attempt_at"], tc.err)
		require.Nil(t, set["fiscal_document_id"], tc.err)
	}
	_, ok = fiscalOutcome(prev, fiscal.Document{}, &sdk.Error{Kind: kind.Unavailable, Code: "database_unavailable"}, now)
	require.False(t, ok, "a failure of the unit of work is no answer about the document")
}

// TestRetryDelay: the job retries a pending document at its next two
// runs, then waits twice as long after each failure, at most an hour.
func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for attempts, want := range map[int]time.Duration{0: 0, 1: 0, 2: 0, 3: time.Minute, 4: 2 * time.Minute, 5: 4 * time.Minute,
		8: 32 * time.Minute, 9: time.Hour, 50: time.Hour} {
		require.Equal(t, want, retryDelay(attempts), "after %d attempts", attempts)
	}
}
