package services_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/hosttest/fakeafip"
)

// fiscalJob is the vertical's fiscal job as the host names it.
const fiscalJob = "services.issue_fiscal_documents"

// runJob runs the fiscal job now through the host's admin API and waits
// until that run finished, failing the test if it failed.
func runJob(t *testing.T, h *hosttest.Host) {
	t.Helper()
	runNamedJob(t, h, fiscalJob)
}

// runNamedJob runs the job fiscalJob (its host name) now and waits for
// that run to finish, failing the test if it failed.
func runNamedJob(t *testing.T, h *hosttest.Host, fiscalJob string) {
	t.Helper()
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	job := func() map[string]any {
		for _, j := range h.Expect(http.StatusOK, "GET", "/api/v1/admin/jobs", admin, nil).JSON(t)["data"].([]any) {
			if j.(map[string]any)["name"] == fiscalJob {
				return j.(map[string]any)
			}
		}
		t.Fatalf("the host runs no job %s", fiscalJob)
		return nil
	}
	var before float64
	hosttest.Eventually(t, 30*time.Second, "the fiscal job started", func() bool {
		before, _ = job()["runs"].(float64)
		return h.Call("POST", "/api/v1/admin/jobs/"+fiscalJob+"/run", admin, nil).Status == http.StatusAccepted
	})
	hosttest.Eventually(t, 60*time.Second, "the fiscal job finished", func() bool {
		runs, _ := job()["runs"].(float64)
		return runs > before
	})
	require.Nil(t, job()["last_error"])
}

// TestFiscalThroughHost drives automatic invoicing and credit notes
// through the real host and its AFIP issuer against the AFIP fake: the
// job invoices a billing run's charges (Factura A with a CAE, to a client
// whose profile says responsable inscripto); with AFIP's WSFEv1 down the
// job leaves them pending, the host's breaker opens and the charge's
// invoice then answers 503 fiscal_service_unavailable at once (AFIP is not
// called); once AFIP is back a later run of the job issues them. Credits
// of an invoiced charge get their Nota de Crédito A at once, a retried
// request (same Idempotency-Key) credits once, more than the charge is
// refused, and the aging and revenue report drop by what was credited.
// Another company reaches none of it.
func TestFiscalThroughHost(t *testing.T) {
	t.Parallel()
	afip := fakeafip.Start(t)
	h := startHost(t, append(afip.Env(), "NEXUS_JOBS_POLL_INTERVAL=100ms")...)
	ar := newRemote(t, h, "AR")
	const pos = 4
	afip.Enroll(t, h, ar.Tenant, pos, true)
	tax := h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+ar.ID, ar.Tokens["owner"], nil).JSON(t)["tax_id"].(string)
	cuit, err := strconv.ParseInt(tax, 10, 64)
	require.NoError(t, err)

	client := ar.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "Estudio Río SRL", "tax_id": newCUIT(t),
		"fiscal": map[string]any{"condition": "responsable_inscripto"}})["id"].(string)
	contract := func(fee string) {
		k := ar.ok(http.StatusCreated, "manager", "POST", "/contracts", map[string]any{"client_id": client, "description": "Auditoría",
			"monthly_fee": fee, "start_date": "2026-01-01", "billing_day": 10})
		ar.ok(http.StatusOK, "manager", "POST", "/contracts/"+k["id"].(string)+"/activate", nil)
	}
	contract("1000.00")
	ar.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2026-10"})
	charges := func(period string) []map[string]any {
		var out []map[string]any
		for _, c := range ar.ok(http.StatusOK, "viewer", "GET", "/charges?period="+period, nil)["data"].([]any) {
			out = append(out, c.(map[string]any))
		}
		return out
	}
	first := charges("2026-10")
	require.Len(t, first, 1)
	require.Nil(t, first[0]["fiscal_status"], "not invoiced before the job runs")

	runJob(t, h)
	ch := charges("2026-10")[0]
	require.Equal(t, "authorized", ch["fiscal_status"], ch)
	require.Len(t, ch["fiscal_authorization_code"], 14, "AFIP's CAE")
	require.EqualValues(t, 1, ch["fiscal_number"])
	require.Equal(t, 1, afip.Receipts(cuit, pos, 1), "a Factura A")
	charge := ch["id"].(string)
	doc := ar.ok(http.StatusOK, "viewer", "GET", "/charges/"+charge+"/invoice", nil)
	require.Equal(t, ch["fiscal_document_id"], doc["id"])
	require.Equal(t, "1210.00", doc["total"])

	// AFIP's WSFEv1 goes down: the job leaves the new charges pending.
	afip.SetDown(true)
	contract("2000.00")
	ar.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2026-11"})
	runJob(t, h)
	november := charges("2026-11")
	require.Len(t, november, 2)
	for _, c := range november {
		require.Equal(t, "pending", c["fiscal_status"], c)
		require.Equal(t, "fiscal_service_unavailable", c["fiscal_error_code"], c)
	}
	// The host's breaker opens: the call answers 503 at once, AFIP not called.
	pending := november[0]["id"].(string)
	opened := false
	for range 10 {
		calls := afip.Calls(fakeafip.OpLastAuthorized) + afip.Calls(fakeafip.OpRequestCAE)
		res := h.Call("POST", base+"/charges/"+pending+"/invoice", ar.Tokens["cashier"], nil)
		require.Equal(t, http.StatusServiceUnavailable, res.Status, string(res.Body))
		require.Equal(t, "fiscal_service_unavailable", res.ErrorCode())
		if afip.Calls(fakeafip.OpLastAuthorized)+afip.Calls(fakeafip.OpRequestCAE) == calls {
			opened = true
			break
		}
	}
	require.True(t, opened, "the breaker opened and answered without calling AFIP")
	require.Equal(t, "pending", ar.ok(http.StatusOK, "viewer", "GET", "/charges/"+pending, nil)["fiscal_status"], "still uninvoiced")

	// AFIP is back: a later run of the job (once the breaker lets calls
	// through again) issues both.
	afip.SetDown(false)
	hosttest.Eventually(t, 2*time.Minute, "the job issued the pending invoices", func() bool {
		runJob(t, h)
		for _, c := range charges("2026-11") {
			if c["fiscal_status"] != "authorized" {
				return false
			}
		}
		return true
	})
	require.Equal(t, 3, afip.Receipts(cuit, pos, 1), "each charge invoiced once")

	// Credits of the invoiced October charge: a Nota de Crédito A each.
	path := "/charges/" + charge + "/credits"
	key := []string{"Idempotency-Key", "credit-" + charge}
	body := map[string]any{"amount": "242.00", "reason": "Bonificación por volumen"}
	res := h.Call("POST", base+path, ar.Tokens["manager"], body, key...)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	cr := res.JSON(t)
	require.Equal(t, "200.00", cr["net"])
	require.Equal(t, "42.00", cr["tax"])
	require.Equal(t, "authorized", cr["fiscal_status"], cr)
	require.Len(t, cr["fiscal_authorization_code"], 14)
	again := h.Call("POST", base+path, ar.Tokens["manager"], body, key...)
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	require.Equal(t, cr["id"], again.JSON(t)["id"], "the retry answers the same credit")
	require.Equal(t, 1, afip.Receipts(cuit, pos, 3), "one Nota de Crédito A")
	note := ar.ok(http.StatusOK, "viewer", "GET", "/credits/"+cr["id"].(string)+"/credit-note", nil)
	require.Equal(t, doc["id"], note["related_id"])

	res = h.Call("POST", base+path, ar.Tokens["manager"], map[string]any{"amount": "968.01", "reason": "x"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Equal(t, "over_credit", res.ErrorCode())
	res = h.Call("POST", base+path, ar.Tokens["cashier"], map[string]any{"amount": "1.00", "reason": "x"})
	require.Equal(t, http.StatusForbidden, res.Status, string(res.Body))
	rest := ar.ok(http.StatusCreated, "manager", "POST", path, map[string]any{"amount": "968.00", "reason": "Servicio no prestado"})
	require.Equal(t, "authorized", rest["fiscal_status"], rest)
	require.Equal(t, "credited", rest["charge"].(map[string]any)["status"])
	require.Equal(t, 2, afip.Receipts(cuit, pos, 3))
	credits := ar.ok(http.StatusOK, "viewer", "GET", path, nil)["data"].([]any)
	require.Len(t, credits, 2)

	// The credited charge owes nothing: the aging holds the other two, and
	// the revenue report counts the charges less the credits.
	aging := ar.ok(http.StatusOK, "viewer", "GET", "/reports/aging?as_of=2030-01-01", nil)
	summary := aging["summary"].([]any)
	require.Len(t, summary, 1)
	require.Equal(t, "3630.00", summary[0].(map[string]any)["total"], "1210.00 + 2420.00")
	buenosAires, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	require.NoError(t, err)
	day := time.Now().In(buenosAires).Format(time.DateOnly)
	want := []any{map[string]any{"key": "services_charge", "currency": "ARS", "amount": "3630.00", "count": float64(5)}}
	hosttest.Eventually(t, 5*time.Second, "the credits are in the revenue report", func() bool {
		data := ar.revenue(day)["data"]
		return len(data.([]any)) == 1 && data.([]any)[0].(map[string]any)["amount"] == want[0].(map[string]any)["amount"]
	})
	require.Equal(t, want, ar.revenue(day)["data"])

	other := newRemote(t, h, "AR")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", path, map[string]any{"amount": "1.00", "reason": "x"}}, {"GET", path, nil}, {"POST", "/charges/" + charge + "/invoice", nil},
	} {
		res := h.Call(c.method, base+c.path, other.Tokens["manager"], c.body)
		require.Equal(t, http.StatusNotFound, res.Status, "%s %s: %s", c.method, c.path, res.Body)
	}
	res = h.Call("GET", base+"/credits/"+cr["id"].(string)+"/credit-note", other.Tokens["viewer"], nil)
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
}
