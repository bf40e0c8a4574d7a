package invoices

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/httpx/httpxtest"
)

// childTables are the tables an invoice's details go to.
var childTables = []string{"sat_invoice_lines", "sat_invoice_taxes", "sat_invoice_relations", "sat_invoice_payments", "sat_invoice_payment_docs"}

func TestUploadSamples(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.company(t, rfcEmisor, auth.RoleManager)
	mexico, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)

	t.Run("ingreso", func(t *testing.T) {
		rec := e.uploadXML(t, a, sample(t, "ingreso"))
		requireStatus(t, rec, http.StatusCreated, "")
		d := decode[InvoiceDetail](t, rec)
		require.Equal(t, "6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e", d.UUID)
		require.Equal(t, DirectionIssued, d.Direction)
		require.Equal(t, StatusValid, d.Status)
		require.Equal(t, TipoIngreso, d.Tipo)
		require.Equal(t, "A", d.Serie)
		require.Equal(t, "1024", d.Folio)
		require.Equal(t, 3, httpxtest.RequireUTCTimes(t, rec.Body.Bytes()), "fecha, fecha_timbrado, created_at")
		require.Contains(t, rec.Body.String(), `"fecha":"2024-03-15T16:30:00Z"`, "10:30 in Mexico City, written in UTC")
		require.True(t, time.Date(2024, 3, 15, 10, 30, 0, 0, mexico).Equal(d.Fecha), "fecha %s", d.Fecha)
		require.True(t, time.Date(2024, 3, 15, 10, 31, 12, 0, mexico).Equal(d.FechaTimbrado))
		require.Equal(t, rfcEmisor, d.EmisorRFC)
		require.Equal(t, "ESCUELA KEMPER URGATE", d.EmisorNombre)
		require.Equal(t, rfcReceptor, d.ReceptorRFC)
		require.Equal(t, "UNIVERSIDAD ROBOTICA ESPAÑOLA", d.ReceptorNombre)
		require.Equal(t, "G03", d.UsoCFDI)
		require.Equal(t, "MXN", d.Moneda)
		require.Nil(t, d.TipoCambio)
		require.Equal(t, "15255.00", d.SubTotal)
		require.Equal(t, "5.00", d.Descuento)
		require.Equal(t, "2440.00", d.TotalTraslados)
		require.Equal(t, "1500.00", d.TotalRetenciones)
		require.Equal(t, "16190.00", d.Total)
		require.Equal(t, "99", d.FormaPago)
		require.Equal(t, "PPD", d.MetodoPago)
		require.Equal(t, "SPR190613I52", d.RfcProvCertif)
		require.NotEmpty(t, d.SelloSAT)
		require.Empty(t, d.Warnings)
		require.Len(t, d.Lines, 2)
		require.Equal(t, "25.50", d.Lines[0].ValorUnitario)
		require.Equal(t, "10", d.Lines[0].Cantidad)
		require.Len(t, d.Lines[0].Taxes, 1)
		require.Len(t, d.Lines[1].Taxes, 2)
		rate, taxBase, amount := "0.160000", "15250.00", "2440.00"
		require.Contains(t, d.Taxes, Tax{Kind: "traslado", Impuesto: "002", TipoFactor: "Tasa", Tasa: &rate, Base: &taxBase, Importe: &amount})
		retained := "1500.00"
		require.Contains(t, d.Taxes, Tax{Kind: "retencion", Impuesto: "001", Importe: &retained})
		require.Empty(t, d.History)

		raw := e.get(t, a, base+"/"+d.ID.String()+"/xml")
		requireStatus(t, raw, http.StatusOK, "")
		require.Equal(t, sample(t, "ingreso"), raw.Body.Bytes(), "the XML comes back byte for byte")
		require.Contains(t, raw.Header().Get("Content-Type"), "application/xml")
	})

	t.Run("egreso", func(t *testing.T) {
		rec := e.uploadXML(t, a, sample(t, "egreso"))
		requireStatus(t, rec, http.StatusCreated, "")
		d := decode[InvoiceDetail](t, rec)
		require.Equal(t, TipoEgreso, d.Tipo)
		require.Equal(t, "295.80", d.Total)
		require.Equal(t, []Relation{{TipoRelacion: "01", UUID: "6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e"}}, d.Relations)
	})

	t.Run("pago", func(t *testing.T) {
		rec := e.uploadXML(t, a, sample(t, "pago"))
		requireStatus(t, rec, http.StatusCreated, "")
		d := decode[InvoiceDetail](t, rec)
		require.Equal(t, TipoPago, d.Tipo)
		require.Equal(t, "0.00", d.Total)
		require.Len(t, d.Payments, 1)
		p := d.Payments[0]
		require.Equal(t, "16190.00", p.Monto)
		require.Equal(t, "03", p.FormaPago)
		require.Equal(t, "SPEI-884512", p.NumOperacion)
		require.True(t, time.Date(2024, 4, 10, 9, 0, 0, 0, mexico).Equal(p.FechaPago))
		require.Positive(t, httpxtest.RequireUTCTimes(t, rec.Body.Bytes()), "fecha_pago too")
		require.Len(t, p.Documents, 1)
		require.Equal(t, "6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e", p.Documents[0].IDDocumento)
		require.Equal(t, "16190.00", p.Documents[0].ImpPagado)
		require.Equal(t, "0.00", *p.Documents[0].ImpSaldoInsoluto)
		require.Equal(t, 1, *p.Documents[0].NumParcialidad)
	})

	t.Run("received by the other party", func(t *testing.T) {
		b := e.company(t, rfcReceptor, auth.RoleManager)
		rec := e.uploadXML(t, b, sample(t, "ingreso"))
		requireStatus(t, rec, http.StatusCreated, "")
		require.Equal(t, DirectionReceived, decode[InvoiceDetail](t, rec).Direction)
	})
}

func TestUploadDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.company(t, rfcEmisor, auth.RoleManager)

	first := e.uploadXML(t, a, sample(t, "ingreso"))
	requireStatus(t, first, http.StatusCreated, "")
	id := decode[InvoiceDetail](t, first).ID

	again := e.uploadXML(t, a, sample(t, "ingreso"))
	requireStatus(t, again, http.StatusOK, "")
	require.Equal(t, id, decode[InvoiceDetail](t, again).ID)

	changed := replace(t, "ingreso", `Folio="1024"`, `Folio="1025"`)
	env := requireStatus(t, e.uploadXML(t, a, changed), http.StatusConflict, "duplicate_uuid")
	require.Equal(t, id.String(), env.Error.Details["invoice_id"])

	require.Equal(t, 1, e.count(t, "sat_invoices", a.CompanyID))
	require.Equal(t, 2, e.count(t, "sat_invoice_lines", a.CompanyID))
	var folio string
	require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT folio FROM sat_invoices WHERE id = $1", id).Scan(&folio))
	require.Equal(t, "1024", folio, "a conflicting upload changes nothing")
}

func TestUploadRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithLimits(Limits{MaxFileBytes: 128 << 10}))
	a := e.company(t, rfcEmisor, auth.RoleManager)
	stranger := e.company(t, "AAA010101AAA", auth.RoleManager)

	cases := []struct {
		name        string
		p           auth.Principal
		contentType string
		body        []byte
		status      int
		code, field string
	}{
		{"malformed", a, "application/xml", []byte("<cfdi:Comprobante"), 422, CodeInvalidXML, "xml"},
		{"billion laughs", a, "application/xml", []byte(billionLaughs), 422, CodeForbiddenXML, "xml"},
		{"deep nesting", a, "text/xml", deep(t, 10000), 422, CodeTooDeep, "xml"},
		{"wrong version", a, "application/xml", replace(t, "ingreso", `Version="4.0"`, `Version="3.3"`), 422, CodeUnsupportedVersion, "Comprobante.Version"},
		{"missing timbre", a, "application/xml", replace(t, "ingreso", `tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital"`, `tfd:TimbreFiscalDigital xmlns:tfd="urn:x"`), 422, CodeMissingTimbre, "Comprobante.Complemento.TimbreFiscalDigital"},
		{"wrong total", a, "application/xml", replace(t, "ingreso", `Total="16190.00"`, `Total="16000.00"`), 422, CodeTotalMismatch, "Comprobante.Total"},
		{"bad RFC", a, "application/xml", replace(t, "ingreso", `Rfc="URE180429TM6"`, `Rfc="URE-18"`), 422, CodeInvalidRFC, "Comprobante.Receptor.Rfc"},
		{"not the company's", stranger, "application/xml", sample(t, "ingreso"), 422, "rfc_not_company", "Comprobante.Receptor.Rfc"},
		{"too large", a, "application/xml", deep(t, 20000), 413, "file_too_large", ""},
		{"wrong media type", a, "application/json", []byte(`{}`), 415, "unsupported_media_type", ""},
		{"no media type", a, "", sample(t, "ingreso"), 415, "unsupported_media_type", ""},
		{"multipart without boundary", a, "multipart/form-data", sample(t, "ingreso"), 400, "invalid_multipart", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := requireStatus(t, e.request(t, tc.p, http.MethodPost, base, tc.contentType, tc.body), tc.status, tc.code)
			if tc.field != "" {
				require.Equal(t, tc.field, env.Error.Details["field"])
			}
		})
	}
	t.Run("nothing stored", func(t *testing.T) {
		for _, p := range []auth.Principal{a, stranger} {
			require.Zero(t, e.count(t, "sat_invoices", p.CompanyID))
			for _, table := range childTables {
				require.Zero(t, e.count(t, table, p.CompanyID), table)
			}
		}
	})
}

func TestUploadMultipart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithLimits(Limits{MaxFileBytes: 32 << 10, MaxBodyBytes: 256 << 10, MaxFiles: 4}))
	a := e.company(t, rfcEmisor, auth.RoleManager)

	type response struct {
		Results []FileResult  `json:"results"`
		Summary UploadSummary `json:"summary"`
	}

	t.Run("all stored", func(t *testing.T) {
		rec := e.uploadFiles(t, a, "files", namedFile{"ingreso.xml", sample(t, "ingreso")}, namedFile{"egreso.xml", sample(t, "egreso")})
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[response](t, rec)
		require.Equal(t, UploadSummary{Created: 2}, res.Summary)
		require.Equal(t, "ingreso.xml", res.Results[0].File)
		require.Equal(t, http.StatusCreated, res.Results[0].Status)
		require.Equal(t, "created", res.Results[0].Outcome)
		require.Equal(t, "a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d", res.Results[1].Invoice.UUID)
	})

	t.Run("mixed", func(t *testing.T) {
		rec := e.uploadFiles(t, a, "files",
			namedFile{"again.xml", sample(t, "ingreso")},
			namedFile{"pago.xml", sample(t, "pago")},
			namedFile{"conflict.xml", replace(t, "egreso", `Folio="77"`, `Folio="78"`)},
			namedFile{"bad.xml", replace(t, "ingreso", `Total="16190.00"`, `Total="1.00"`)},
		)
		requireStatus(t, rec, http.StatusMultiStatus, "")
		res := decode[response](t, rec)
		require.Equal(t, UploadSummary{Created: 1, Duplicates: 1, Failed: 2}, res.Summary)
		got := map[string]string{}
		for _, r := range res.Results {
			got[r.File] = fmt.Sprintf("%d %s", r.Status, r.Outcome)
		}
		require.Equal(t, map[string]string{
			"again.xml": "200 duplicate", "pago.xml": "201 created",
			"conflict.xml": "409 conflict", "bad.xml": "422 rejected",
		}, got)
		require.Equal(t, CodeTotalMismatch, res.Results[3].Error.Code)
		require.Equal(t, "Comprobante.Total", res.Results[3].Error.Details["field"])
	})

	t.Run("none stored", func(t *testing.T) {
		rec := e.uploadFiles(t, a, "files",
			namedFile{"big.xml", deep(t, 6000)},
			namedFile{"bad.xml", []byte("nope")},
		)
		env := requireStatus(t, rec, http.StatusUnprocessableEntity, "no_file_accepted")
		results, ok := env.Error.Details["results"].([]any)
		require.True(t, ok)
		require.Len(t, results, 2)
		require.Equal(t, "too_large", results[0].(map[string]any)["outcome"])
	})

	t.Run("all conflicts", func(t *testing.T) {
		rec := e.uploadFiles(t, a, "files", namedFile{"c.xml", replace(t, "egreso", `Folio="77"`, `Folio="79"`)})
		requireStatus(t, rec, http.StatusConflict, "no_file_accepted")
	})

	before := e.count(t, "sat_invoices", a.CompanyID)
	t.Run("body too large stores nothing", func(t *testing.T) {
		files := []namedFile{{"new.xml", invoiceXML{}.bytes()}}
		for range 3 {
			files = append(files, namedFile{"pad.xml", bytes.Repeat([]byte(" "), 100<<10)})
		}
		requireStatus(t, e.uploadFiles(t, a, "files", files...), http.StatusRequestEntityTooLarge, "body_too_large")
	})
	t.Run("too many files", func(t *testing.T) {
		files := make([]namedFile, 5)
		for i := range files {
			files[i] = namedFile{"f.xml", invoiceXML{}.bytes()}
		}
		requireStatus(t, e.uploadFiles(t, a, "files", files...), http.StatusBadRequest, "too_many_files")
	})
	t.Run("unknown field", func(t *testing.T) {
		requireStatus(t, e.uploadFiles(t, a, "file", namedFile{"x.xml", invoiceXML{}.bytes()}), http.StatusBadRequest, "unknown_field")
	})
	t.Run("no files", func(t *testing.T) {
		requireStatus(t, e.uploadFiles(t, a, "files"), http.StatusBadRequest, "no_files")
	})
	require.Equal(t, before, e.count(t, "sat_invoices", a.CompanyID))
}

func TestCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.company(t, rfcEmisor, auth.RoleAdmin)
	rec := e.uploadXML(t, admin, sample(t, "ingreso"))
	requireStatus(t, rec, http.StatusCreated, "")
	id := decode[InvoiceDetail](t, rec).ID
	path := base + "/" + id.String() + "/cancel"

	requireStatus(t, e.request(t, as(admin, auth.RoleManager), http.MethodPost, path, "application/json", nil), http.StatusForbidden, "insufficient_role")
	requireStatus(t, e.request(t, admin, http.MethodPost, path, "application/json", []byte(`{"motivo":"02"}`)), http.StatusBadRequest, "unknown_field")

	rec = e.request(t, admin, http.MethodPost, path, "application/json", []byte(`{"reason":"02 comprobante con errores"}`))
	requireStatus(t, rec, http.StatusOK, "")
	d := decode[InvoiceDetail](t, rec)
	require.Equal(t, StatusCancelled, d.Status)
	require.NotNil(t, d.CancelledAt)
	require.Len(t, d.History, 1)
	require.Equal(t, HistoryEntry{From: "valid", To: "cancelled", Event: "cancel", Note: "02 comprobante con errores",
		ActorID: &admin.UserID, At: d.History[0].At}, d.History[0])

	env := requireStatus(t, e.request(t, admin, http.MethodPost, path, "", nil), http.StatusConflict, "invalid_transition")
	require.Equal(t, "cancelled", env.Error.Details["from"])
	require.Equal(t, 1, e.count(t, "status_history", admin.CompanyID))

	requireStatus(t, e.request(t, admin, http.MethodPost, base+"/"+uuid.NewString()+"/cancel", "", nil), http.StatusNotFound, "invoice_not_found")
	requireStatus(t, e.request(t, admin, http.MethodPost, base+"/not-a-uuid/cancel", "", nil), http.StatusNotFound, "invoice_not_found")
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.company(t, rfcEmisor, auth.RoleManager)

	// Ten issued invoices on 1–10 May and two received ones in June.
	var issued []uuid.UUID
	for day := 1; day <= 10; day++ {
		rec := e.uploadXML(t, a, invoiceXML{fecha: fmt.Sprintf("2024-05-%02dT23:30:00", day), folio: fmt.Sprint(day)}.bytes())
		requireStatus(t, rec, http.StatusCreated, "")
		issued = append(issued, decode[InvoiceDetail](t, rec).ID)
	}
	supplier := "AAA010101AAA"
	for day := 1; day <= 2; day++ {
		rec := e.uploadXML(t, a, invoiceXML{emisor: supplier, receptor: rfcEmisor, fecha: fmt.Sprintf("2024-06-%02dT08:00:00", day)}.bytes())
		requireStatus(t, rec, http.StatusCreated, "")
	}
	egreso := e.uploadXML(t, a, sample(t, "egreso"))
	requireStatus(t, egreso, http.StatusCreated, "")
	egresoID := decode[InvoiceDetail](t, egreso).ID

	list := func(t *testing.T, query url.Values) []Invoice {
		t.Helper()
		var all []Invoice
		cursor := ""
		for range 20 {
			if cursor != "" {
				query.Set("cursor", cursor)
			}
			rec := e.get(t, as(a, auth.RoleViewer), base+"?"+query.Encode())
			requireStatus(t, rec, http.StatusOK, "")
			httpxtest.RequireUTCTimes(t, rec.Body.Bytes())
			page := decode[httpx.Page[Invoice]](t, rec)
			all = append(all, page.Data...)
			if page.NextCursor == nil {
				return all
			}
			cursor = *page.NextCursor
		}
		t.Fatal("too many pages")
		return nil
	}

	t.Run("pages cover everything once, newest first", func(t *testing.T) {
		all := list(t, url.Values{"limit": {"3"}})
		require.Len(t, all, 13)
		for i := 1; i < len(all); i++ {
			require.False(t, all[i].Fecha.After(all[i-1].Fecha))
		}
		seen := map[uuid.UUID]bool{}
		for _, inv := range all {
			require.False(t, seen[inv.ID])
			seen[inv.ID] = true
		}
	})

	cases := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"direction received", url.Values{"direction": {"received"}}, 2},
		{"direction issued", url.Values{"direction": {"issued"}}, 11},
		{"tipo E", url.Values{"tipo": {"E"}}, 1},
		{"tipo I,E", url.Values{"tipo": {"i, e"}}, 13},
		{"rfc as issuer", url.Values{"rfc": {supplier}}, 2},
		{"rfc as recipient", url.Values{"rfc": {rfcReceptor}}, 11},
		{"dates in the company's zone, to inclusive", url.Values{"from": {"2024-05-02"}, "to": {"2024-05-04"}}, 3},
		{"RFC 3339 bounds", url.Values{"from": {"2024-05-02T05:30:00Z"}, "to": {"2024-05-03T05:30:00Z"}}, 1},
		{"uuid", url.Values{"uuid": {"A3B4C5D6-E7F8-4A1B-8C2D-3E4F5A6B7C8D"}}, 1},
		{"status cancelled", url.Values{"status": {"cancelled"}}, 0},
		{"combined", url.Values{"direction": {"issued"}, "tipo": {"I"}, "from": {"2024-05-09"}}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Len(t, list(t, tc.query), tc.want)
		})
	}

	bad := []struct {
		query, code string
	}{
		{"direction=sideways", "invalid_query"},
		{"tipo=X", "invalid_query"},
		{"rfc=nope", "invalid_query"},
		{"uuid=123", "invalid_query"},
		{"status=paid", "invalid_query"},
		{"from=yesterday", "invalid_query"},
		{"from=2024-05-05&to=2024-05-01", "invalid_query"},
		{"limit=0", "invalid_limit"},
		{"limit=501", "invalid_limit"},
		{"cursor=garbage", "invalid_cursor"},
		{"folio=1", "invalid_query"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.query, func(t *testing.T) {
			t.Parallel()
			requireStatus(t, e.get(t, a, base+"?"+tc.query), http.StatusBadRequest, tc.code)
		})
	}

	t.Run("service limit", func(t *testing.T) {
		_, _, err := e.svc.List(context.Background(), a.CompanyID, ListFilter{Limit: maxPageSize + 1})
		var he *httpx.Error
		require.ErrorAs(t, err, &he)
		require.Equal(t, "invalid_limit", he.Code)
	})

	t.Run("get", func(t *testing.T) {
		rec := e.get(t, a, base+"/"+issued[0].String())
		requireStatus(t, rec, http.StatusOK, "")
		require.Equal(t, "1", decode[InvoiceDetail](t, rec).Folio)
		requireStatus(t, e.get(t, a, base+"/"+uuid.NewString()), http.StatusNotFound, "invoice_not_found")
		requireStatus(t, e.get(t, a, base+"/"+egresoID.String()+"/xml"), http.StatusOK, "")
	})
}

// Company B's invoices do not exist for company A: 404 on every route, and
// lists show only A's own.
func TestCrossTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.company(t, rfcEmisor, auth.RoleOwner)
	b := e.company(t, rfcReceptor, auth.RoleOwner)

	// Both companies hold the same CFDI: A issued it, B received it.
	recA := e.uploadXML(t, a, sample(t, "ingreso"))
	requireStatus(t, recA, http.StatusCreated, "")
	recB := e.uploadXML(t, b, sample(t, "ingreso"))
	requireStatus(t, recB, http.StatusCreated, "")
	idA, idB := decode[InvoiceDetail](t, recA).ID, decode[InvoiceDetail](t, recB).ID
	require.NotEqual(t, idA, idB)
	onlyB := e.uploadXML(t, b, invoiceXML{emisor: "AAA010101AAA", receptor: rfcReceptor}.bytes())
	requireStatus(t, onlyB, http.StatusCreated, "")
	idOnlyB := decode[InvoiceDetail](t, onlyB).ID

	for _, id := range []uuid.UUID{idB, idOnlyB} {
		requireStatus(t, e.get(t, a, base+"/"+id.String()), http.StatusNotFound, "invoice_not_found")
		requireStatus(t, e.get(t, a, base+"/"+id.String()+"/xml"), http.StatusNotFound, "invoice_not_found")
		requireStatus(t, e.request(t, a, http.MethodPost, base+"/"+id.String()+"/cancel", "", nil), http.StatusNotFound, "invoice_not_found")
	}
	rec := e.get(t, a, base)
	requireStatus(t, rec, http.StatusOK, "")
	page := decode[httpx.Page[Invoice]](t, rec)
	require.Len(t, page.Data, 1)
	require.Equal(t, idA, page.Data[0].ID)
	rec = e.get(t, a, base+"?uuid=6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e")
	require.Len(t, decode[httpx.Page[Invoice]](t, rec).Data, 1)

	var status string
	require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT status FROM sat_invoices WHERE id = $1", idB).Scan(&status))
	require.Equal(t, StatusValid, status, "A's cancel attempt did not touch B's invoice")
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	viewer := e.company(t, rfcEmisor, auth.RoleViewer)
	requireStatus(t, e.uploadXML(t, viewer, sample(t, "ingreso")), http.StatusForbidden, "insufficient_role")
	requireStatus(t, e.get(t, viewer, base), http.StatusOK, "")
	requireStatus(t, e.get(t, auth.Principal{UserID: uuid.New(), Role: auth.RoleViewer}, base), http.StatusForbidden, "company_required")
}
