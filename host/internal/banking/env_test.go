package banking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/envelope"
)

const base = "/api/v1/bank"

// RFCs used by the tests: the company and its counterparties.
const (
	rfcCompany  = "EKU9003173C9"
	rfcCustomer = "URE180429TM6"
	rfcOther    = "XOJI740919U48"
	rfcSupplier = "SUP010101AB1"
)

// env is one test database with the banking routes mounted behind a
// stand-in for the auth middleware, and the invoices service to create
// invoices with.
type env struct {
	pool     *pgxpool.Pool
	svc      *Service
	invoices *invoices.Service
	handler  http.Handler

	mu     sync.Mutex
	tokens map[string]auth.Principal
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	pool := storetest.NewPool(t)
	e := &env{pool: pool, tokens: map[string]auth.Principal{}}
	e.svc = NewService(pool, hclog.NewNullLogger(), opts...)
	e.invoices = invoices.NewService(pool, hclog.NewNullLogger())
	r := chi.NewRouter()
	r.With(e.authenticate).Route(base, e.svc.Routes)
	e.handler = r
	return e
}

func (e *env) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		e.mu.Lock()
		p, known := e.tokens[tok]
		e.mu.Unlock()
		if !ok || !known {
			httpx.WriteError(w, r, httpx.Unauthorized("missing or invalid token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// company inserts a Mexican company with the given RFC and returns an
// owner's principal.
func (e *env) company(t *testing.T, rfc string) auth.Principal {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ($1, 'MX', 'MXN', $2, 'America/Mexico_City') RETURNING id`, "Company "+rfc, rfc).Scan(&id))
	return auth.Principal{UserID: uuid.New(), Email: "owner@example.com", CompanyID: id, Role: auth.RoleOwner}
}

// as returns p with another role and user.
func as(p auth.Principal, role auth.Role) auth.Principal {
	p.Role, p.UserID = role, uuid.New()
	return p
}

func (e *env) request(t *testing.T, p auth.Principal, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	tok := uuid.NewString()
	e.mu.Lock()
	e.tokens[tok] = p
	e.mu.Unlock()
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

func (e *env) get(t *testing.T, p auth.Principal, path string) *httptest.ResponseRecorder {
	t.Helper()
	return e.request(t, p, http.MethodGet, path, "", nil)
}

func (e *env) postJSON(t *testing.T, p auth.Principal, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	return e.request(t, p, http.MethodPost, path, "application/json", b)
}

// formPart is one field of a multipart body; file parts have a filename.
type formPart struct {
	name, filename string
	data           []byte
}

func (e *env) postForm(t *testing.T, p auth.Principal, path string, parts ...formPart) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, part := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if part.filename != "" {
			w, err = mw.CreateFormFile(part.name, part.filename)
		} else {
			w, err = mw.CreateFormField(part.name)
		}
		require.NoError(t, err)
		_, err = w.Write(part.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return e.request(t, p, http.MethodPost, path, mw.FormDataContentType(), buf.Bytes())
}

// account creates a bank account through the API.
func (e *env) account(t *testing.T, p auth.Principal, a NewAccount) Account {
	t.Helper()
	if a.Bank == "" {
		a.Bank = "Banco Ejemplo"
	}
	if a.Currency == "" {
		a.Currency = "MXN"
	}
	rec := e.postJSON(t, p, base+"/accounts", a)
	requireStatus(t, rec, http.StatusCreated, "")
	return decode[Account](t, rec)
}

// importFile uploads a raw statement and returns the result.
func (e *env) importFile(t *testing.T, p auth.Principal, account uuid.UUID, contentType string, data []byte) ImportResult {
	t.Helper()
	rec := e.request(t, p, http.MethodPost, base+"/accounts/"+account.String()+"/imports", contentType, data)
	requireStatus(t, rec, http.StatusCreated, "")
	return decode[ImportResult](t, rec)
}

// count returns the rows of table for company (as the test superuser).
func (e *env) count(t *testing.T, table string, company uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+table+" WHERE company_id = $1", company).Scan(&n))
	return n
}

func requireStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) envelope.Envelope {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	var env envelope.Envelope
	if code == "" {
		return env
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env), "body: %s", rec.Body.String())
	require.Equal(t, code, env.Error.Code, "body: %s", rec.Body.String())
	return env
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "body: %s", rec.Body.String())
	return v
}

// invoice is a minimal valid CFDI 4.0 ingreso of one line: with iva
// given, total = subtotal + iva at 16%; without, the line is taxed at 0%
// and subtotal = total.
type invoice struct {
	emisor, receptor, fecha, serie, folio string
	subtotal, iva, total                  string
}

// sale is an invoice the company issues to customer, total at 0% IVA.
func sale(customer, fecha, total string) invoice {
	return invoice{emisor: rfcCompany, receptor: customer, fecha: fecha, total: total}
}

// ingest stores the invoice for p's company and returns its id.
func (e *env) ingest(t *testing.T, p auth.Principal, x invoice) uuid.UUID {
	t.Helper()
	if x.serie == "" {
		x.serie = "T"
	}
	if x.folio == "" {
		x.folio = "1"
	}
	rate := "0.160000"
	if x.iva == "" {
		x.subtotal, x.iva, rate = x.total, "0.00", "0.000000"
	}
	data := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="4.0" Serie="%[5]s" Folio="%[6]s" Fecha="%[4]s" FormaPago="03" SubTotal="%[7]s" Moneda="MXN" Total="%[9]s" TipoDeComprobante="I" Exportacion="01" MetodoPago="PUE" LugarExpedicion="06600">
  <cfdi:Emisor Rfc="%[2]s" Nombre="EMISOR" RegimenFiscal="601"/>
  <cfdi:Receptor Rfc="%[3]s" Nombre="RECEPTOR" DomicilioFiscalReceptor="06600" RegimenFiscalReceptor="601" UsoCFDI="G03"/>
  <cfdi:Conceptos>
    <cfdi:Concepto ClaveProdServ="01010101" Cantidad="1" ClaveUnidad="H87" Descripcion="Producto" ValorUnitario="%[7]s" Importe="%[7]s" ObjetoImp="02"/>
  </cfdi:Conceptos>
  <cfdi:Impuestos TotalImpuestosTrasladados="%[8]s"><cfdi:Traslados><cfdi:Traslado Base="%[7]s" Impuesto="002" TipoFactor="Tasa" TasaOCuota="%[10]s" Importe="%[8]s"/></cfdi:Traslados></cfdi:Impuestos>
  <cfdi:Complemento><tfd:TimbreFiscalDigital Version="1.1" UUID="%[1]s" FechaTimbrado="%[4]s" RfcProvCertif="SPR190613I52" SelloCFD="x" NoCertificadoSAT="30001000000500003456" SelloSAT="y"/></cfdi:Complemento>
</cfdi:Comprobante>`, uuid.NewString(), x.emisor, x.receptor, x.fecha, x.serie, x.folio, x.subtotal, x.iva, x.total, rate)
	res, err := e.invoices.Ingest(t.Context(), p.CompanyID, p.UserID, []byte(data))
	require.NoError(t, err)
	return res.Invoice.ID
}
