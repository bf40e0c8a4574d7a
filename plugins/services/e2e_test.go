package services_test

import (
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// base is where the host mounts the vertical's routes.
const base = "/api/v1/verticals/services"

// pluginPackage is the vertical's main package.
const pluginPackage = "github.com/nexuspos/nexus/plugins/services/cmd/nexus-vertical-services"

// amqpURL is the test RabbitMQ.
func amqpURL() string {
	if u := os.Getenv("NEXUS_TEST_AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// startHost runs the real host with the services plugin built from source.
func startHost(t *testing.T, env ...string) *hosttest.Host {
	t.Helper()
	return hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"services": hosttest.Build(t, pluginPackage)}), env...)
}

// remote is a tenant of a real host with the services vertical enabled.
type remote struct {
	t *testing.T
	h *hosttest.Host
	hosttest.Tenant
}

func newRemote(t *testing.T, h *hosttest.Host, country string) *remote {
	t.Helper()
	return &remote{t: t, h: h, Tenant: h.NewTenant(country, "services")}
}

// ok calls the vertical as role and requires status.
func (r *remote) ok(status int, role, method, path string, body any) map[string]any {
	r.t.Helper()
	res := r.h.Call(method, base+path, r.Tokens[role], body)
	require.Equal(r.t, status, res.Status, "%s %s: %s", method, path, res.Body)
	return res.JSON(r.t)
}

// revenue reads the company's revenue report of day by transaction type.
func (r *remote) revenue(day string) map[string]any {
	r.t.Helper()
	return r.h.Expect(http.StatusOK, "GET", "/api/v1/reports/revenue?from="+day+"&to="+day+"&group_by=transaction_type",
		r.Tokens["viewer"], nil).JSON(r.t)
}

// TestRevenueThroughHost: a billing run's charges are in the company's
// revenue report within a second of the run's response, answered by the
// host's rollup (the manifest's revenue event naming a row of its
// universal source), and the same after the views are refreshed — with
// events delivered in process and through RabbitMQ. Another company sees
// none of it.
func TestRevenueThroughHost(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		env  []string
	}{
		{"in process", nil},
		{"rabbitmq", []string{"NEXUS_AMQP_URL=" + amqpURL()}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, mode.env...)
			a, b := newRemote(t, h, "MX"), newRemote(t, h, "MX")
			client := a.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "Despacho Real", "tax_id": taxid.GenericRFC})["id"]
			for _, fee := range []string{"1000.00", "250.00"} {
				k := a.ok(http.StatusCreated, "manager", "POST", "/contracts", map[string]any{"client_id": client, "description": "Asesoría",
					"monthly_fee": fee, "start_date": "2026-01-01", "billing_day": 5})
				a.ok(http.StatusOK, "manager", "POST", "/contracts/"+k["id"].(string)+"/activate", nil)
			}
			mexico, err := time.LoadLocation("America/Mexico_City")
			require.NoError(t, err)
			day := time.Now().In(mexico).Format(time.DateOnly)
			require.Empty(t, a.revenue(day)["data"])

			run := a.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2026-12"})
			answered := time.Now()
			require.EqualValues(t, 2, run["charges_created"])
			want := []any{map[string]any{"key": "services_charge", "currency": "MXN", "amount": "1450.00", "count": float64(2)}}
			var rep map[string]any
			took := hosttest.Eventually(t, time.Second, "the charges are in the revenue report within a second", func() bool {
				rep = a.revenue(day)
				return reflect.DeepEqual(rep["data"], want)
			})
			t.Logf("the charges reached the revenue report %s after the run's response (%s)", time.Since(answered), took)
			require.Equal(t, "rollup", rep["source"])
			require.Empty(t, b.revenue(day)["data"], "company B sees none of A's revenue")

			// A refresh of the views (which read the universal source)
			// changes nothing.
			admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
			h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", admin, nil)
			require.Equal(t, want, a.revenue(day)["data"])
			pool, err := pgxpool.New(t.Context(), h.DatabaseURL)
			require.NoError(t, err)
			defer pool.Close()
			var (
				n     int
				total string
			)
			require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*), sum(amount)::text FROM universal_transactions_mv WHERE company_id = $1 AND transaction_type = $2",
				a.ID, services.RevenueSource).Scan(&n, &total))
			require.Equal(t, 2, n, "the views hold both charges")
			require.Equal(t, "1450.00", total)

			// A repeated run adds nothing.
			again := a.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2026-12"})
			require.EqualValues(t, 0, again["charges_created"])
			require.EqualValues(t, 2, again["already_billed"])
			require.Equal(t, want, a.revenue(day)["data"])
		})
	}
}

// TestServicesThroughHost drives the vertical through the real host: an
// Argentine company's clients (CUIT), concurrent billing runs over HTTP,
// partial payments up to paid, overpayment refused, the aging report, the
// routes' roles and the error envelope.
func TestServicesThroughHost(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	ar := newRemote(t, h, "AR")
	cuit := "30-71234567-1"
	client := ar.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "Estudio Río SRL", "tax_id": cuit})
	require.Equal(t, "30712345671", client["tax_id"])
	const contracts = 6
	for i := range contracts {
		k := ar.ok(http.StatusCreated, "manager", "POST", "/contracts", map[string]any{"client_id": client["id"], "description": "Liquidación de sueldos",
			"monthly_fee": fmt.Sprintf("%d000.00", i+1), "start_date": "2026-06-01", "billing_day": 15})
		ar.ok(http.StatusOK, "manager", "POST", "/contracts/"+k["id"].(string)+"/activate", nil)
	}

	// Four runs of one period at once, each through the host's unit of work.
	var (
		mu      sync.Mutex
		created float64
	)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := h.Call("POST", base+"/billing-runs", ar.Tokens["manager"], map[string]any{"period": "2026-07"})
			if res.Status != http.StatusCreated {
				t.Errorf("billing run: %d %s", res.Status, res.Body)
				return
			}
			mu.Lock()
			created += res.JSON(t)["charges_created"].(float64)
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.EqualValues(t, contracts, created)
	page := ar.ok(http.StatusOK, "viewer", "GET", "/charges?limit=4", nil)
	require.Len(t, page["data"], 4)
	rest := ar.ok(http.StatusOK, "viewer", "GET", "/charges?limit=4&cursor="+page["next_cursor"].(string), nil)
	require.Len(t, rest["data"], contracts-4)
	require.Nil(t, rest["next_cursor"])

	first := page["data"].([]any)[0].(map[string]any)
	charge := first["id"].(string)
	require.Equal(t, "ARS", first["currency"])
	total := first["total"].(string)
	p := ar.ok(http.StatusCreated, "cashier", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "100.00", "method": "transfer"})
	require.Equal(t, "partially_paid", p["charge"].(map[string]any)["status"])
	balance := p["charge"].(map[string]any)["balance"].(string)
	res := h.Call("POST", base+"/charges/"+charge+"/payments", ar.Tokens["cashier"], map[string]any{"amount": total, "method": "transfer"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Equal(t, "overpayment", res.ErrorCode())
	require.NotEmpty(t, res.JSON(t)["request_id"])
	p = ar.ok(http.StatusCreated, "cashier", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": balance, "method": "card"})
	require.Equal(t, "paid", p["charge"].(map[string]any)["status"])

	// The bank statement of the next day holds the transfer: the host's
	// reconciliation matches it to the payment the manifest declares.
	buenosAires, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	require.NoError(t, err)
	tomorrow := time.Now().In(buenosAires).AddDate(0, 0, 1).Format(time.DateOnly)
	acct := h.Expect(http.StatusCreated, "POST", "/api/v1/bank/accounts", ar.Tokens["owner"], map[string]any{
		"name": "Cuenta corriente", "bank": "Galicia", "currency": "ARS",
		"csv_mapping": map[string]any{"date": "fecha", "amount": "importe", "description": "concepto"},
	}).JSON(t)["id"].(string)
	h.Expect(http.StatusCreated, "POST", "/api/v1/bank/accounts/"+acct+"/imports", ar.Tokens["owner"],
		"fecha,importe,concepto\n"+tomorrow+",100.00,TRANSFERENCIA ESTUDIO RIO\n", "Content-Type", "text/csv")
	var rec struct {
		Examined int `json:"examined"`
		Matched  []struct {
			Target   string `json:"target"`
			Payments []struct {
				Source string `json:"source"`
			} `json:"payments"`
		} `json:"matched"`
	}
	h.Expect(http.StatusOK, "POST", "/api/v1/bank/reconcile", ar.Tokens["manager"], nil).Decode(t, &rec)
	require.Equal(t, 1, rec.Examined)
	require.Len(t, rec.Matched, 1, "the transfer")
	require.Equal(t, "payment", rec.Matched[0].Target)
	require.Len(t, rec.Matched[0].Payments, 1)
	require.Equal(t, services.PaymentSource, rec.Matched[0].Payments[0].Source)
	require.NotContains(t, h.Log(), "payment sources were left out")

	aging := ar.ok(http.StatusOK, "viewer", "GET", "/reports/aging?as_of=2030-01-01", nil)
	require.Equal(t, "America/Argentina/Buenos_Aires", aging["timezone"])
	summary := aging["summary"].([]any)
	require.Len(t, summary, 1)
	require.EqualValues(t, contracts-1, summary[0].(map[string]any)["charges"], "the paid charge owes nothing")

	for _, tc := range []struct {
		role, method, path string
		body               any
		status             int
		code               string
	}{
		{"viewer", "POST", "/billing-runs", map[string]any{"period": "2026-08"}, 403, "insufficient_role"},
		{"manager", "POST", "/billing-runs", map[string]any{"period": "2026-8"}, 422, "invalid_field"},
		{"manager", "POST", "/billing-runs", map[string]any{"period": "2026-08", "x": 1}, 400, "unknown_field"},
		{"manager", "POST", "/clients", map[string]any{"name": "X", "tax_id": "30-71234567-2"}, 422, "invalid_tax_id"},
		{"viewer", "GET", "/charges?limit=0", nil, 400, "invalid_limit"},
		{"viewer", "GET", "/charges/" + charge + "x", nil, 404, "not_found"},
	} {
		res := h.Call(tc.method, base+tc.path, ar.Tokens[tc.role], tc.body)
		require.Equal(t, tc.status, res.Status, "%s %s: %s", tc.method, tc.path, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), "%s %s: %s", tc.method, tc.path, res.Body)
	}

	// The host's API description holds every route of the vertical, with
	// the schemas its Go types give.
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	h.Expect(http.StatusOK, "GET", "/api/v1/openapi.json", ar.Tokens["viewer"], nil).Decode(t, &doc)
	ops := 0
	for path, item := range doc.Paths {
		if strings.HasPrefix(path, base+"/") {
			ops += len(item)
		}
	}
	require.Equal(t, len(services.New().Manifest().Routes), ops)
	post := doc.Paths[base+"/billing-runs"]["post"]
	require.NotNil(t, post.RequestBody)
	require.NotEmpty(t, post.RequestBody.Content["application/json"].Schema)

	// A Mexican company of the same host: IVA 16 %, an RFC with a wrong
	// check digit accepted with a warning.
	mx := newRemote(t, h, "MX")
	body := "GODE561231GR"
	d, err := taxid.RFCCheckDigit(body)
	require.NoError(t, err)
	wrong := "0"
	if d == '0' {
		wrong = "1"
	}
	w := mx.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "Eduardo Gómez", "tax_id": body + wrong})
	require.Equal(t, []any{"tax_id: " + taxid.WarningCheckDigit}, w["warnings"])
	none := mx.ok(http.StatusOK, "viewer", "GET", "/charges", nil)
	require.Empty(t, none["data"], "the Argentine company's charges stay its own")
}
