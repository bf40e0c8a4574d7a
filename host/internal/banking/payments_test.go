package banking

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/httpx/httpxtest"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/migrate"
)

// tvSchemaSQL creates a fake vertical's sales and payments, shaped like the
// CPG vertical's.
const tvSchemaSQL = `
CREATE SCHEMA tv;
GRANT USAGE ON SCHEMA tv TO nexus_tenant;
CREATE TABLE tv.sales (
    company_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), currency text NOT NULL DEFAULT 'MXN',
    status text NOT NULL DEFAULT 'completed', PRIMARY KEY (company_id, id));
CREATE TABLE tv.payments (
    company_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), sale_id uuid NOT NULL,
    method text NOT NULL, amount numeric(18, 2) NOT NULL, change numeric(18, 2) NOT NULL DEFAULT 0,
    reference text, occurred_at timestamptz NOT NULL, PRIMARY KEY (company_id, id));
CREATE SCHEMA hidden;
CREATE TABLE hidden.payments (company_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (company_id, id));`

// tvPaymentsSQL is the fake vertical's payment source: every payment but
// cash, net of change, left out when its sale was voided.
const tvPaymentsSQL = `SELECT p.company_id, 'tv_pos'::text AS source, p.id AS payment_id, p.occurred_at,
       p.amount - p.change AS amount, s.currency, p.method, p.reference, p.sale_id AS document_id
FROM tv.payments p
JOIN tv.sales s ON s.company_id = p.company_id AND s.id = p.sale_id
WHERE p.method <> 'cash' AND s.status <> 'voided';`

// newPaymentsEnv is an env whose service reconciles with the fake
// vertical's payments.
func newPaymentsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	_, err := e.pool.Exec(t.Context(), tvSchemaSQL)
	require.NoError(t, err)
	require.NoError(t, migrate.EnforceTenancy(t.Context(), e.pool, "tv"))
	require.NoError(t, migrate.EnforceTenancy(t.Context(), e.pool, "hidden"))
	require.NoError(t, e.svc.SetPaymentSources(t.Context(), []PaymentSource{{Vertical: "tv", Name: "tv_pos", SQL: tvPaymentsSQL}}))
	return e
}

// payment records a sale paid by one payment (amount signed, refunds
// negative) at a local time in Mexico City and returns the payment's id.
func (e *env) payment(t *testing.T, p auth.Principal, at, method, amount, reference string) uuid.UUID {
	t.Helper()
	when, err := time.ParseInLocation("2006-01-02 15:04", at, mexicoCity(t))
	require.NoError(t, err)
	var ref *string
	if reference != "" {
		ref = &reference
	}
	var id uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(), `
WITH s AS (INSERT INTO tv.sales (company_id) VALUES ($1) RETURNING company_id, id)
INSERT INTO tv.payments (company_id, sale_id, method, amount, reference, occurred_at)
SELECT s.company_id, s.id, $2, $3, $4, $5 FROM s RETURNING id`, p.CompanyID, method, amount, ref, when).Scan(&id))
	return id
}

func mexicoCity(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	return loc
}

// statement creates an account for p's company, imports the CSV lines
// (fecha,importe,concepto) and returns the movements by description.
func (e *env) statement(t *testing.T, p auth.Principal, lines string) map[string]Movement {
	t.Helper()
	mapping := CSVMapping{Date: "fecha", Amount: "importe", Description: "concepto"}
	acct := e.account(t, p, NewAccount{Name: "Operación", CSVMapping: &mapping})
	e.importFile(t, p, acct.ID, "text/csv", []byte("fecha,importe,concepto\n"+lines))
	movs, _, err := e.svc.Movements(t.Context(), p.CompanyID, MovementFilter{Limit: 100})
	require.NoError(t, err)
	out := map[string]Movement{}
	for _, m := range movs {
		out[m.Description] = m
	}
	return out
}

func sortedRefs(refs []PaymentRef) []uuid.UUID {
	ids := make([]uuid.UUID, len(refs))
	for i, r := range refs {
		ids[i] = r.PaymentID
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return ids
}

func TestReconcilePayments(t *testing.T) {
	t.Parallel()
	e := newPaymentsEnv(t)
	owner := e.company(t, rfcCompany)
	manager := as(owner, auth.RoleManager)
	pay := map[string]uuid.UUID{
		"single":   e.payment(t, owner, "2024-05-03 13:00", "card", "350.00", "123456"),
		"day1":     e.payment(t, owner, "2024-05-04 10:00", "card", "100.00", ""),
		"day2":     e.payment(t, owner, "2024-05-04 12:30", "card", "150.00", ""),
		"day3":     e.payment(t, owner, "2024-05-04 19:45", "card", "250.00", ""),
		"cash":     e.payment(t, owner, "2024-05-04 11:00", "cash", "777.00", ""),
		"twinA":    e.payment(t, owner, "2024-05-07 09:00", "card", "420.00", ""),
		"twinB":    e.payment(t, owner, "2024-05-07 17:00", "card", "420.00", ""),
		"refund":   e.payment(t, owner, "2024-05-07 18:00", "card", "-80.00", ""),
		"transfer": e.payment(t, owner, "2024-05-09 12:00", "transfer", "1200.00", "998877"),
	}
	mov := e.statement(t, owner, `2024-05-05,350.00,DEPOSITO TPV AUT 123456
2024-05-06,500.00,VENTAS TARJETA
2024-05-05,777.00,DEPOSITO EFECTIVO
2024-05-08,420.00,DEPOSITO TPV
2024-05-08,-80.00,CARGO DEVOLUCION TPV
2024-05-20,1150.00,SPEI 998877
2024-05-21,-35.00,COMISION
`)

	check := func(t *testing.T, res ReconcileResult) {
		t.Helper()
		require.Equal(t, 7, res.Examined)
		got := map[uuid.UUID][]uuid.UUID{}
		for _, m := range res.Matched {
			require.Equal(t, targetPayment, m.Target)
			require.Empty(t, m.InvoiceIDs)
			got[m.MovementID] = sortedRefs(m.Payments)
			require.GreaterOrEqual(t, m.Score, DefaultMinScore)
		}
		require.Equal(t, map[uuid.UUID][]uuid.UUID{
			mov["DEPOSITO TPV AUT 123456"].ID: {pay["single"]},
			mov["VENTAS TARJETA"].ID:          sortedRefs([]PaymentRef{{PaymentID: pay["day1"]}, {PaymentID: pay["day2"]}, {PaymentID: pay["day3"]}}),
			mov["CARGO DEVOLUCION TPV"].ID:    {pay["refund"]},
		}, got)
		single := res.Matched[slices.IndexFunc(res.Matched, func(m AutoMatch) bool { return m.MovementID == mov["DEPOSITO TPV AUT 123456"].ID })]
		require.Equal(t, map[string]int{"amount": 50, "date": 20, "reference": 30}, single.Reasons)
		require.Len(t, res.Unresolved, 1)
		require.Equal(t, mov["DEPOSITO TPV"].ID, res.Unresolved[0].MovementID)
		require.Equal(t, unresolvedAmbiguous, res.Unresolved[0].Reason)
		require.Len(t, res.Unresolved[0].Candidates, 2)
		require.Equal(t, targetPayment, res.Unresolved[0].Candidates[0].Target)
		require.Equal(t, 3, res.WithoutCandidates, "the cash deposit, the transfer outside the window and the fee")
	}

	t.Run("dry run", func(t *testing.T) {
		rec := e.postJSON(t, manager, base+"/reconcile", ReconcileOptions{DryRun: true})
		requireStatus(t, rec, http.StatusOK, "")
		check(t, decode[ReconcileResult](t, rec))
		require.Zero(t, e.count(t, "bank_matches", owner.CompanyID))
	})

	t.Run("run", func(t *testing.T) {
		rec := e.request(t, manager, http.MethodPost, base+"/reconcile", "application/json", nil)
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[ReconcileResult](t, rec)
		check(t, res)
		require.Equal(t, 5, e.count(t, "bank_match_payments", owner.CompanyID))
		require.Zero(t, e.count(t, "bank_match_invoices", owner.CompanyID))
		var target, method string
		var actor uuid.UUID
		require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT target, method, actor_id FROM bank_matches WHERE id = $1",
			*res.Matched[0].MatchID).Scan(&target, &method, &actor))
		require.Equal(t, []string{"payment", "auto"}, []string{target, method})
		require.Equal(t, manager.UserID, actor)

		rec = e.get(t, owner, base+"/matches?payment_id="+pay["day2"].String())
		listed := decode[httpx.Page[Match]](t, rec).Data
		require.Len(t, listed, 1)
		require.Len(t, listed[0].Payments, 3)
		require.Equal(t, "tv_pos", listed[0].Payments[0].Source)
	})

	t.Run("bad payment window", func(t *testing.T) {
		requireStatus(t, e.request(t, manager, http.MethodPost, base+"/reconcile", "application/json", []byte(`{"payment_window_days":-1}`)),
			http.StatusUnprocessableEntity, "invalid_window")
	})

	var manual Match
	t.Run("manual match of a payment", func(t *testing.T) {
		transfer := mov["SPEI 998877"].ID
		rec := e.postJSON(t, manager, base+"/matches", NewMatch{MovementID: transfer,
			Payments: []PaymentRef{{Source: "tv_pos", PaymentID: pay["transfer"]}}, Note: "menos comisión"})
		requireStatus(t, rec, http.StatusCreated, "")
		manual = decode[Match](t, rec)
		require.Equal(t, targetPayment, manual.Target)
		require.Equal(t, "-50.00", manual.Difference)
		require.Equal(t, 30, manual.Reasons["reference"])
		require.Zero(t, manual.Reasons["amount"])
		require.Equal(t, manager.UserID, *manual.ActorID)
		require.Equal(t, "menos comisión", manual.Note)
	})

	t.Run("manual match refusals", func(t *testing.T) {
		deposit420 := mov["DEPOSITO TPV"].ID
		cash := mov["DEPOSITO EFECTIVO"].ID
		ref := func(name string) []PaymentRef { return []PaymentRef{{Source: "tv_pos", PaymentID: pay[name]}} }
		cases := []struct {
			name   string
			in     NewMatch
			status int
			code   string
		}{
			{"payment matched", NewMatch{MovementID: deposit420, Payments: ref("single")}, 409, "payment_already_matched"},
			{"cash is no payment of a source", NewMatch{MovementID: cash, Payments: ref("cash")}, 404, "payment_not_found"},
			{"unknown source", NewMatch{MovementID: deposit420, Payments: []PaymentRef{{Source: "other", PaymentID: pay["twinA"]}}}, 404, "payment_not_found"},
			{"a payment for a withdrawal", NewMatch{MovementID: mov["COMISION"].ID, Payments: ref("twinA")}, 422, "direction_mismatch"},
			{"invoices and payments", NewMatch{MovementID: deposit420, Payments: ref("twinA"), InvoiceIDs: []uuid.UUID{uuid.New()}}, 422, "invalid_field"},
			{"twice the same payment", NewMatch{MovementID: deposit420, Payments: append(ref("twinA"), ref("twinA")...)}, 422, "invalid_field"},
			{"no source", NewMatch{MovementID: deposit420, Payments: []PaymentRef{{PaymentID: pay["twinA"]}}}, 422, "invalid_field"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				requireStatus(t, e.postJSON(t, manager, base+"/matches", tc.in), tc.status, tc.code)
			})
		}
		requireStatus(t, e.request(t, manager, http.MethodPost, base+"/matches", "application/json",
			[]byte(`{"movement_id":"`+deposit420.String()+`","payments":[{"source":"tv_pos","payment_id":"nope"}]}`)), http.StatusBadRequest, "")
	})

	t.Run("undo frees the payment", func(t *testing.T) {
		undoer := as(owner, auth.RoleManager)
		rec := e.request(t, undoer, http.MethodDelete, base+"/matches/"+manual.ID.String(), "", nil)
		requireStatus(t, rec, http.StatusOK, "")
		undone := decode[Match](t, rec)
		require.Equal(t, undoer.UserID, *undone.UndoneBy)
		require.Len(t, undone.Payments, 1)
		rec = e.postJSON(t, manager, base+"/matches", NewMatch{MovementID: mov["SPEI 998877"].ID,
			Payments: []PaymentRef{{Source: "tv_pos", PaymentID: pay["transfer"]}}})
		requireStatus(t, rec, http.StatusCreated, "")
		history := decode[httpx.Page[Match]](t, e.get(t, owner, base+"/matches?payment_id="+pay["transfer"].String())).Data
		require.Len(t, history, 2, "the undone match stays on record")
		require.Len(t, decode[httpx.Page[Match]](t, e.get(t, owner, base+"/matches?live=true&payment_id="+pay["transfer"].String())).Data, 1)
		requireStatus(t, e.get(t, owner, base+"/matches?payment_id=x"), http.StatusBadRequest, "invalid_query")
	})

	t.Run("unreconciled report", func(t *testing.T) {
		rec := e.get(t, as(owner, auth.RoleViewer), base+"/reports/unreconciled")
		requireStatus(t, rec, http.StatusOK, "")
		require.Positive(t, httpxtest.RequireUTCTimes(t, rec.Body.Bytes()))
		require.Contains(t, rec.Body.String(), `"occurred_at":"2024-05-07T15:00:00Z"`, "09:00 in Mexico City, written in UTC")
		rep := decode[UnreconciledReport](t, rec)
		var open []uuid.UUID
		for _, p := range rep.Payments.Data {
			open = append(open, p.PaymentID)
			require.Equal(t, "card", p.Method)
			require.Equal(t, "420.00", p.Amount)
		}
		require.ElementsMatch(t, []uuid.UUID{pay["twinA"], pay["twinB"]}, open, "cash never shows; matched payments are reconciled")
		require.Equal(t, []PaymentTotals{{Currency: "MXN", Method: "card", Count: 2, Payments: "840.00", Refunds: "0.00"}}, rep.PaymentTotals)

		rep = decode[UnreconciledReport](t, e.get(t, owner, base+"/reports/unreconciled?limit=1"))
		require.Len(t, rep.Payments.Data, 1)
		require.NotNil(t, rep.Payments.NextCursor)
		next := decode[UnreconciledReport](t, e.get(t, owner, base+"/reports/unreconciled?limit=1&payments_cursor="+*rep.Payments.NextCursor))
		require.Len(t, next.Payments.Data, 1)
		require.NotEqual(t, rep.Payments.Data[0].PaymentID, next.Payments.Data[0].PaymentID)
		require.Nil(t, next.Payments.NextCursor)

		rep = decode[UnreconciledReport](t, e.get(t, owner, base+"/reports/unreconciled?to=2024-05-06"))
		require.Empty(t, rep.Payments.Data)
		require.Empty(t, rep.PaymentTotals)
		requireStatus(t, e.get(t, owner, base+"/reports/unreconciled?payments_cursor=x"), http.StatusBadRequest, "invalid_cursor")
	})
}

// Invalid payment sources are left out, named with their reason; the
// valid ones are used.
func TestSetPaymentSources(t *testing.T) {
	t.Parallel()
	e := newPaymentsEnv(t)
	err := e.svc.SetPaymentSources(t.Context(), []PaymentSource{
		{Vertical: "tv", Name: "tv_pos", SQL: tvPaymentsSQL},
		{Vertical: "tv", Name: "Bad-Name", SQL: tvPaymentsSQL},
		{Vertical: "tv", Name: "no_method", SQL: strings.Replace(tvPaymentsSQL, "p.method, ", "", 1)},
		{Vertical: "tv", Name: "float", SQL: strings.Replace(tvPaymentsSQL, "p.amount - p.change AS amount", "(p.amount - p.change)::float8 AS amount", 1)},
		{Vertical: "tv", Name: "two_statements", SQL: tvPaymentsSQL + " DELETE FROM tv.payments"},
		{Vertical: "tv", Name: "hidden", SQL: `SELECT company_id, 'hidden'::text AS source, id AS payment_id, now() AS occurred_at,
			1::numeric AS amount, 'MXN'::text AS currency, 'card'::text AS method, NULL::text AS reference, id AS document_id FROM hidden.payments`},
		{Vertical: "other", Name: "tv_pos", SQL: tvPaymentsSQL},
	})
	var bad *InvalidPaymentSourcesError
	require.ErrorAs(t, err, &bad)
	require.Len(t, bad.Reasons, 6)
	require.Contains(t, bad.Reasons["tv/Bad-Name"], "name must be")
	require.Contains(t, bad.Reasons["tv/no_method"], `column "method" is missing`)
	require.Contains(t, bad.Reasons["tv/float"], `column "amount" must be numeric`)
	require.Contains(t, bad.Reasons["tv/two_statements"], "syntax error")
	require.Contains(t, bad.Reasons["tv/hidden"], "permission denied", "sources are checked as the tenant role")
	require.Contains(t, bad.Reasons["other/tv_pos"], "declared more than once")
	require.Equal(t, []string{"tv_pos"}, e.svc.payments.Load().names)

	owner := e.company(t, rfcCompany)
	e.payment(t, owner, "2024-05-03 13:00", "card", "350.00", "")
	e.statement(t, owner, "2024-05-04,350.00,DEPOSITO TPV\n")
	res, err := e.svc.Reconcile(t.Context(), owner.CompanyID, owner.UserID, ReconcileOptions{})
	require.NoError(t, err)
	require.Len(t, res.Matched, 1, "the valid source is in use")

	require.NoError(t, e.svc.SetPaymentSources(t.Context(), nil))
	rep, err := e.svc.Unreconciled(t.Context(), owner.CompanyID, ReportFilter{})
	require.NoError(t, err)
	require.Empty(t, rep.Payments.Data, "without sources there are no payments")
	require.Empty(t, rep.PaymentTotals)
}

// Company B never sees nor matches company A's payments, even though the
// sources' SELECTs do not filter by company themselves.
func TestPaymentsCrossTenant(t *testing.T) {
	t.Parallel()
	e := newPaymentsEnv(t)
	a := e.company(t, rfcCompany)
	b := e.company(t, "AAA010101AAA")
	aPayment := e.payment(t, a, "2024-05-03 13:00", "card", "350.00", "123456")
	bMov := e.statement(t, b, "2024-05-04,350.00,DEPOSITO TPV AUT 123456\n")["DEPOSITO TPV AUT 123456"]

	rec := e.request(t, b, http.MethodPost, base+"/reconcile", "", nil)
	requireStatus(t, rec, http.StatusOK, "")
	res := decode[ReconcileResult](t, rec)
	require.Equal(t, 1, res.Examined)
	require.Empty(t, res.Matched)
	require.Empty(t, res.Unresolved)
	require.Equal(t, 1, res.WithoutCandidates)

	requireStatus(t, e.postJSON(t, b, base+"/matches", NewMatch{MovementID: bMov.ID,
		Payments: []PaymentRef{{Source: "tv_pos", PaymentID: aPayment}}}), http.StatusNotFound, "payment_not_found")
	rep := decode[UnreconciledReport](t, e.get(t, b, base+"/reports/unreconciled"))
	require.Empty(t, rep.Payments.Data)
	require.Empty(t, rep.PaymentTotals)
	require.Empty(t, decode[httpx.Page[Match]](t, e.get(t, b, base+"/matches?payment_id="+aPayment.String())).Data)

	rep = decode[UnreconciledReport](t, e.get(t, a, base+"/reports/unreconciled"))
	require.Len(t, rep.Payments.Data, 1, "A's payment is still open")
	require.Equal(t, aPayment, rep.Payments.Data[0].PaymentID)

	t.Run("row-level security confines the union on its own", func(t *testing.T) {
		var n int
		require.NoError(t, store.TenantTx(t.Context(), e.pool, b.CompanyID, func(tx pgx.Tx) error {
			return tx.QueryRow(t.Context(), "SELECT count(*) FROM ("+e.svc.payments.Load().union+") AS p").Scan(&n)
		}))
		require.Zero(t, n)
	})
}
