package afip_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// enabled is a point of sale AFIP takes receipts on.
func enabled(n int) afip.PtoVenta {
	return afip.PtoVenta{Nro: n, EmisionTipo: "CAE - Ri Iva", Bloqueado: "N"}
}

// TestParameterTablesAreCachedAcrossReplicas: a table asked by one host
// is kept in Redis (the real one) for a day per CUIT: the second replica
// answers it without calling AFIP; another table is asked for; the points
// of sale are asked every time.
func TestParameterTablesAreCachedAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.SetPointsOfSale(cuitNumber(c), enabled(3))
	client := redistest.Client(t)
	mon := cache.NewMonitor(client, time.Hour, nil)
	require.NoError(t, mon.Check(t.Context()))
	replica := func() *fiscal.Service {
		return fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets,
			Cache: cache.NewRedis(client, mon, nil), Logger: hclog.NewNullLogger(),
			Outbound: outbound.NewPool(outbound.Config{Timeout: 30 * time.Second}),
			Issuers:  []fiscal.Issuer{afip.New(afip.Options{WSAAURL: e.afip.WSAAURL(), WSFEURL: e.afip.WSFEURL()})}})
	}
	a, b := replica(), replica()
	rows, err := a.Parameters(t.Context(), companyID, "ar", afip.TableReceiptTypes, nil)
	require.NoError(t, err)
	require.Contains(t, rows, afip.Param{ID: "6", Description: "Factura B", ValidFrom: "2010-09-17"})
	again, err := b.Parameters(t.Context(), companyID, "ar", afip.TableReceiptTypes, nil)
	require.NoError(t, err)
	require.Equal(t, rows, again)
	require.Equal(t, 1, e.afip.Calls("FEParamGetTiposCbte"), "the second replica read Redis")

	conds, err := b.Parameters(t.Context(), companyID, "ar", afip.TableReceiverConditions, map[string]string{"receipt_class": "A"})
	require.NoError(t, err)
	require.Len(t, conds, 4)
	require.Contains(t, conds, afip.Param{ID: "1", Description: "IVA Responsable Inscripto", ReceiptClasses: []string{"A", "ALEY", "C"}})
	for _, table := range []string{afip.TableDocumentTypes, afip.TableIVARates, afip.TableCurrencies, afip.TableTaxTypes} {
		rows, err := a.Parameters(t.Context(), companyID, "ar", table, nil)
		require.NoError(t, err, table)
		require.NotEmpty(t, rows, table)
	}
	ivas, err := a.Parameters(t.Context(), companyID, "ar", afip.TableIVARates, nil)
	require.NoError(t, err)
	require.Contains(t, ivas, afip.Param{ID: "5", Description: "21%", ValidFrom: "2009-02-20"})
	require.Equal(t, 1, e.afip.Calls("FEParamGetTiposIva"))

	for range 2 {
		points, err := b.Parameters(t.Context(), companyID, "ar", afip.TablePointsOfSale, nil)
		require.NoError(t, err)
		require.Equal(t, []any{afip.PointOfSale{Number: 3, EmissionType: "CAE - Ri Iva"}}, points)
	}
	require.Equal(t, 2, e.afip.Calls("FEParamGetPtosVenta"), "points of sale are never cached")
	require.Equal(t, 1, e.afip.Calls("LoginCms"))
}

// api mounts the fiscal routes of e behind a stand-in for authentication:
// a bearer token names a principal.
func api(e *env, tokens map[string]auth.Principal) http.Handler {
	r := chi.NewRouter()
	r.With(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			if !ok {
				httpx.WriteError(w, r, httpx.Unauthorized("missing or invalid token"))
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}).Route("/api/v1/fiscal", e.svc.Routes)
	return r
}

// get sends GET path with token tok and decodes the answer.
func get(t *testing.T, h http.Handler, tok, path string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	return rec.Code, body
}

// TestParametersEndpoint: GET /api/v1/fiscal/ar/parameters/{table}
// answers the caller's company's tables with its own CUIT and
// credentials: another company's token never reads them, even once they
// are cached; unknown tables, query parameters and roles are refused.
func TestParametersEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	a, ca := e.company(t, "responsable_inscripto")
	e.afip.SetPointsOfSale(cuitNumber(ca), enabled(3), afip.PtoVenta{Nro: 4, EmisionTipo: "CAE", Bloqueado: "S"})
	b, cb := e.company(t, "monotributo")
	e.afip.SetPointsOfSale(cuitNumber(cb), enabled(12))
	var bare uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(), `INSERT INTO companies (name, country, currency, tax_id, timezone)
		VALUES ('Kiosco', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`, cuit(t, "20", 42234567)).Scan(&bare))
	_, err := e.svc.PutSettings(t.Context(), bare, fiscalSettings(`{"iva_condition":"monotributo","points_of_sale":[3]}`))
	require.NoError(t, err)
	principal := func(id uuid.UUID, role auth.Role) auth.Principal {
		return auth.Principal{UserID: uuid.New(), Email: "admin@example.com", CompanyID: id, Role: role}
	}
	h := api(e, map[string]auth.Principal{"a": principal(a, auth.RoleAdmin), "b": principal(b, auth.RoleAdmin),
		"bare": principal(bare, auth.RoleAdmin), "viewer": principal(a, auth.RoleViewer)})

	code, body := get(t, h, "a", "/api/v1/fiscal/ar/parameters/points_of_sale")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, []any{
		map[string]any{"number": float64(3), "emission_type": "CAE - Ri Iva", "blocked": false},
		map[string]any{"number": float64(4), "emission_type": "CAE", "blocked": true},
	}, body["data"])
	code, body = get(t, h, "b", "/api/v1/fiscal/ar/parameters/points_of_sale")
	require.Equal(t, http.StatusOK, code, body)
	require.Len(t, body["data"], 1, "B sees its own CUIT's points of sale")
	require.Equal(t, float64(12), body["data"].([]any)[0].(map[string]any)["number"])

	code, body = get(t, h, "a", "/api/v1/fiscal/ar/parameters/receipt_types")
	require.Equal(t, http.StatusOK, code, body)
	calls := e.afip.Calls("FEParamGetTiposCbte")
	code, body = get(t, h, "bare", "/api/v1/fiscal/ar/parameters/receipt_types")
	require.Equal(t, http.StatusUnprocessableEntity, code, "A's cached table is not the bare company's")
	require.Equal(t, "fiscal_credentials_missing", body["error"].(map[string]any)["code"])
	require.Equal(t, calls, e.afip.Calls("FEParamGetTiposCbte"))
	code, _ = get(t, h, "b", "/api/v1/fiscal/ar/parameters/receipt_types")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, calls+1, e.afip.Calls("FEParamGetTiposCbte"), "B's table is asked with B's credentials")

	code, body = get(t, h, "a", "/api/v1/fiscal/ar/parameters/exchange_rate?currency=USD")
	require.Equal(t, http.StatusOK, code, body)
	row := body["data"].([]any)[0].(map[string]any)
	require.Equal(t, "DOL", row["mon_id"])
	require.Equal(t, "1452.5", row["rate"])

	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/fiscal/ar/parameters/colours", http.StatusNotFound, "fiscal_parameter_table_not_found"},
		{"/api/v1/fiscal/mx/parameters/receipt_types", http.StatusNotFound, "fiscal_parameter_table_not_found"},
		{"/api/v1/fiscal/ar/parameters/receipt_types?currency=USD", http.StatusBadRequest, "invalid_query"},
		{"/api/v1/fiscal/ar/parameters/exchange_rate", http.StatusBadRequest, "invalid_query"},
		{"/api/v1/fiscal/ar/parameters/exchange_rate?currency=USD&date=tomorrow", http.StatusBadRequest, "invalid_query"},
		{"/api/v1/fiscal/ar/parameters/receiver_iva_conditions?receipt_class=Z", http.StatusBadRequest, "invalid_query"},
		{"/api/v1/fiscal/ar/parameters/receipt_types?colour=red", http.StatusBadRequest, "invalid_query"},
	} {
		code, body := get(t, h, "a", c.path)
		require.Equal(t, c.status, code, c.path)
		require.Equal(t, c.code, body["error"].(map[string]any)["code"], c.path)
	}
	code, _ = get(t, h, "viewer", "/api/v1/fiscal/ar/parameters/receipt_types")
	require.Equal(t, http.StatusForbidden, code)
	e.requireNoCredentialInLogs(t)
}
