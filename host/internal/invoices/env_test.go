package invoices

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
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
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/envelope"
)

const base = "/api/v1/invoices"

// RFCs of the samples in testdata: the issuer and the recipient.
const (
	rfcEmisor   = "EKU9003173C9"
	rfcReceptor = "URE180429TM6"
)

// env is one test database with the service mounted behind a stand-in for
// the auth middleware: a bearer token names a registered Principal.
type env struct {
	pool    *pgxpool.Pool
	svc     *Service
	handler http.Handler

	mu     sync.Mutex
	tokens map[string]auth.Principal
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	pool := storetest.NewPool(t)
	e := &env{pool: pool, tokens: map[string]auth.Principal{}}
	e.svc = NewService(pool, hclog.NewNullLogger(), opts...)
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

// company inserts a Mexican company with the given RFC and returns a
// principal of role in it.
func (e *env) company(t *testing.T, rfc string, role auth.Role) auth.Principal {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ($1, 'MX', 'MXN', $2, 'America/Mexico_City') RETURNING id`, "Company "+rfc, rfc).Scan(&id))
	return auth.Principal{UserID: uuid.New(), Email: "user@example.com", CompanyID: id, Role: role}
}

// as returns p with another role.
func as(p auth.Principal, role auth.Role) auth.Principal {
	p.Role, p.UserID = role, uuid.New()
	return p
}

// request sends a request as p with the given content type and body.
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

func (e *env) uploadXML(t *testing.T, p auth.Principal, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	return e.request(t, p, http.MethodPost, base, "application/xml", data)
}

// namedFile is one part of a multipart upload.
type namedFile struct {
	name string
	data []byte
}

func (e *env) uploadFiles(t *testing.T, p auth.Principal, field string, files ...namedFile) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile(field, f.name)
		require.NoError(t, err)
		_, err = w.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return e.request(t, p, http.MethodPost, base, mw.FormDataContentType(), buf.Bytes())
}

// count returns the number of rows of table for company (read as the test
// superuser, bypassing row-level security).
func (e *env) count(t *testing.T, table string, company uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+table+" WHERE company_id = $1", company).Scan(&n))
	return n
}

// requireStatus checks the status and, for errors, the envelope's code;
// it returns the envelope (zero for a success).
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

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".xml")
	require.NoError(t, err)
	return b
}

// invoiceXML is a minimal, valid ingreso with one line at 16% IVA: the
// line's amount is subtotal, its IVA iva, and Total their sum.
type invoiceXML struct {
	uuid, emisor, receptor, fecha, serie, folio string
	subtotal, iva, total                        string
}

func (x invoiceXML) bytes() []byte {
	if x.uuid == "" {
		x.uuid = uuid.NewString()
	}
	if x.emisor == "" {
		x.emisor = rfcEmisor
	}
	if x.receptor == "" {
		x.receptor = rfcReceptor
	}
	if x.fecha == "" {
		x.fecha = "2024-05-02T09:00:00"
	}
	if x.serie == "" {
		x.serie = "T"
	}
	if x.folio == "" {
		x.folio = "1"
	}
	if x.subtotal == "" {
		x.subtotal, x.iva, x.total = "100.00", "16.00", "116.00"
	}
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="4.0" Serie="%[5]s" Folio="%[6]s" Fecha="%[4]s" FormaPago="03" SubTotal="%[7]s" Moneda="MXN" Total="%[9]s" TipoDeComprobante="I" Exportacion="01" MetodoPago="PUE" LugarExpedicion="06600">
  <cfdi:Emisor Rfc="%[2]s" Nombre="EMISOR" RegimenFiscal="601"/>
  <cfdi:Receptor Rfc="%[3]s" Nombre="RECEPTOR" DomicilioFiscalReceptor="06600" RegimenFiscalReceptor="601" UsoCFDI="G03"/>
  <cfdi:Conceptos>
    <cfdi:Concepto ClaveProdServ="01010101" Cantidad="1" ClaveUnidad="H87" Descripcion="Producto" ValorUnitario="%[7]s" Importe="%[7]s" ObjetoImp="02">
      <cfdi:Impuestos><cfdi:Traslados><cfdi:Traslado Base="%[7]s" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="%[8]s"/></cfdi:Traslados></cfdi:Impuestos>
    </cfdi:Concepto>
  </cfdi:Conceptos>
  <cfdi:Impuestos TotalImpuestosTrasladados="%[8]s"><cfdi:Traslados><cfdi:Traslado Base="%[7]s" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="%[8]s"/></cfdi:Traslados></cfdi:Impuestos>
  <cfdi:Complemento><tfd:TimbreFiscalDigital Version="1.1" UUID="%[1]s" FechaTimbrado="%[4]s" RfcProvCertif="SPR190613I52" SelloCFD="x" NoCertificadoSAT="30001000000500003456" SelloSAT="y"/></cfdi:Complemento>
</cfdi:Comprobante>`, x.uuid, x.emisor, x.receptor, x.fecha, x.serie, x.folio, x.subtotal, x.iva, x.total))
}
