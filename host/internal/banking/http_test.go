package banking

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/httpx/httpxtest"
)

func mappingJSONForTest(t *testing.T, m CSVMapping) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.company(t, rfcCompany)
	m := bankMapping()
	a := e.account(t, owner, NewAccount{Name: "Operación", Bank: "BBVA", Currency: "mxn", AccountLast4: "6789", CSVMapping: &m})
	require.Equal(t, "MXN", a.Currency)
	require.Equal(t, "6789", a.AccountLast4)
	require.Equal(t, &m, a.CSVMapping)
	b := e.account(t, owner, NewAccount{Name: "Dólares", Currency: "USD"})
	require.Nil(t, b.CSVMapping)

	bad := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"duplicate name", `{"name":"Operación","bank":"x","currency":"MXN"}`, 409, "account_exists", "name"},
		{"no name", `{"name":" ","bank":"x","currency":"MXN"}`, 422, "invalid_name", "name"},
		{"no bank", `{"name":"n1","currency":"MXN"}`, 422, "invalid_bank", "bank"},
		{"currency", `{"name":"n2","bank":"x","currency":"PESOS"}`, 422, "invalid_currency", "currency"},
		{"last4", `{"name":"n3","bank":"x","currency":"MXN","account_last4":"12a4"}`, 422, "invalid_account_last4", "account_last4"},
		{"mapping", `{"name":"n4","bank":"x","currency":"MXN","csv_mapping":{"amount":"x"}}`, 422, "invalid_mapping", "csv_mapping.date"},
		{"unknown field", `{"name":"n5","bank":"x","currency":"MXN","iban":"x"}`, 400, "unknown_field", "iban"},
		{"not JSON", `name=n6`, 400, "invalid_json", ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := requireStatus(t, e.request(t, owner, http.MethodPost, base+"/accounts", "application/json", []byte(tc.body)), tc.status, tc.code)
			if tc.field != "" {
				require.Equal(t, tc.field, env.Error.Details["field"])
			}
		})
	}

	t.Run("list pages by name", func(t *testing.T) {
		rec := e.get(t, as(owner, auth.RoleViewer), base+"/accounts?limit=1")
		requireStatus(t, rec, http.StatusOK, "")
		page := decode[httpx.Page[Account]](t, rec)
		require.Len(t, page.Data, 1)
		require.Equal(t, "Dólares", page.Data[0].Name)
		require.NotNil(t, page.NextCursor)
		rec = e.get(t, owner, base+"/accounts?limit=1&cursor="+*page.NextCursor)
		page = decode[httpx.Page[Account]](t, rec)
		require.Equal(t, "Operación", page.Data[0].Name)
		require.Nil(t, page.NextCursor)
		requireStatus(t, e.get(t, owner, base+"/accounts?sort=name"), http.StatusBadRequest, "invalid_query")
	})

	t.Run("get and mapping", func(t *testing.T) {
		requireStatus(t, e.get(t, owner, base+"/accounts/"+a.ID.String()), http.StatusOK, "")
		requireStatus(t, e.get(t, owner, base+"/accounts/"+uuid.NewString()), http.StatusNotFound, "account_not_found")
		requireStatus(t, e.get(t, owner, base+"/accounts/nope"), http.StatusNotFound, "account_not_found")
		path := base + "/accounts/" + b.ID.String() + "/csv-mapping"
		rec := e.request(t, owner, http.MethodPut, path, "application/json", []byte(`{"date":"Fecha","amount":"Importe"}`))
		requireStatus(t, rec, http.StatusOK, "")
		got := decode[Account](t, rec)
		require.Equal(t, "Importe", got.CSVMapping.Amount)
		require.Equal(t, ",", got.CSVMapping.Delimiter, "defaults are saved")
		env := requireStatus(t, e.request(t, owner, http.MethodPut, path, "application/json", []byte(`{"date":"Fecha"}`)), http.StatusUnprocessableEntity, "invalid_mapping")
		require.Equal(t, "csv_mapping.amount", env.Error.Details["field"])
		rec = e.request(t, owner, http.MethodPut, path, "application/json", []byte(`null`))
		requireStatus(t, rec, http.StatusOK, "")
		require.Nil(t, decode[Account](t, rec).CSVMapping)
		requireStatus(t, e.request(t, as(owner, auth.RoleManager), http.MethodPut, path, "application/json", []byte(`null`)), http.StatusForbidden, "insufficient_role")
	})
	requireStatus(t, e.postJSON(t, as(owner, auth.RoleManager), base+"/accounts", NewAccount{Name: "x", Bank: "x", Currency: "MXN"}), http.StatusForbidden, "insufficient_role")
}

func TestImportCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.company(t, rfcCompany)
	manager := as(owner, auth.RoleManager)
	m := bankMapping()
	acct := e.account(t, owner, NewAccount{Name: "Operación", AccountLast4: "6789", CSVMapping: &m})
	path := base + "/accounts/" + acct.ID.String() + "/imports"

	first := e.importFile(t, manager, acct.ID, "text/csv", readTestdata(t, "statement.csv"))
	require.Equal(t, FormatCSV, first.Format)
	require.Equal(t, 4, first.Imported)
	require.Equal(t, 0, first.Duplicates)
	require.Equal(t, 2, first.Rejected)
	require.Equal(t, []Rejection{
		{Row: 8, Field: "date", Reason: `date "31/02/2024" is not a real date`},
		{Row: 9, Field: "amount", Reason: "both debit and credit are empty"},
	}, first.Rejections)
	require.Equal(t, manager.UserID, *first.CreatedBy)

	again := e.importFile(t, manager, acct.ID, "text/csv", readTestdata(t, "statement.csv"))
	require.Equal(t, [3]int{0, 4, 2}, [3]int{again.Imported, again.Duplicates, again.Rejected})
	overlap := e.importFile(t, manager, acct.ID, "text/csv", readTestdata(t, "statement_overlap.csv"))
	require.Equal(t, [3]int{1, 3, 0}, [3]int{overlap.Imported, overlap.Duplicates, overlap.Rejected})
	require.Equal(t, 5, e.count(t, "bank_movements", owner.CompanyID))

	rec := e.get(t, as(owner, auth.RoleViewer), base+"/movements?account_id="+acct.ID.String()+"&limit=10")
	requireStatus(t, rec, http.StatusOK, "")
	movs := decode[httpx.Page[Movement]](t, rec).Data
	require.Len(t, movs, 5)
	require.Equal(t, "2024-05-06", movs[0].PostedOn)
	require.Equal(t, "-50.00", movs[0].Amount)
	require.Equal(t, "withdrawal", movs[0].Kind)
	require.Equal(t, "MXN", movs[0].Currency)
	require.Equal(t, "unreconciled", movs[0].Status)
	deposit := movs[len(movs)-1]
	require.Equal(t, "116.00", deposit.Amount)
	require.Equal(t, "deposit", deposit.Kind)
	require.Equal(t, "REF001", deposit.Reference)

	rec = e.get(t, owner, path+"?limit=2")
	requireStatus(t, rec, http.StatusOK, "")
	batches := decode[httpx.Page[Batch]](t, rec)
	require.Len(t, batches.Data, 2)
	require.Equal(t, overlap.ID, batches.Data[0].ID)
	require.NotNil(t, batches.NextCursor)

	t.Run("multipart with a mapping to save", func(t *testing.T) {
		plain := e.account(t, owner, NewAccount{Name: "Sin mapeo"})
		plainPath := base + "/accounts/" + plain.ID.String() + "/imports"
		requireStatus(t, e.request(t, manager, http.MethodPost, plainPath, "text/csv", readTestdata(t, "statement.csv")),
			http.StatusUnprocessableEntity, "mapping_required")
		rec := e.postForm(t, manager, plainPath,
			formPart{name: "file", filename: "mayo.csv", data: readTestdata(t, "statement.csv")},
			formPart{name: "mapping", data: mappingJSONForTest(t, bankMapping())},
			formPart{name: "save_mapping", data: []byte("true")})
		requireStatus(t, rec, http.StatusCreated, "")
		res := decode[ImportResult](t, rec)
		require.Equal(t, "mayo.csv", res.Filename)
		require.Equal(t, 4, res.Imported)
		got := e.get(t, owner, base+"/accounts/"+plain.ID.String())
		require.NotNil(t, decode[Account](t, got).CSVMapping, "the mapping was saved")
		again := e.importFile(t, manager, plain.ID, "text/csv", readTestdata(t, "statement_overlap.csv"))
		require.Equal(t, 1, again.Imported)
	})

	t.Run("rejected files write nothing", func(t *testing.T) {
		before := e.count(t, "bank_import_batches", owner.CompanyID)
		movements := e.count(t, "bank_movements", owner.CompanyID)
		cases := []struct {
			name        string
			contentType string
			body        []byte
			status      int
			code, field string
		}{
			{"every row bad", "text/csv", []byte("BANCO\nCuenta\nFecha;Concepto;Referencia;Cargo;Abono\n99/99/2024;x;;1,00;\n"), 422, "no_valid_rows", "file"},
			{"only a header", "text/csv", []byte("BANCO\nCuenta\nFecha;Concepto;Referencia;Cargo;Abono\n"), 422, "empty_statement", "file"},
			{"missing column", "text/csv", []byte("BANCO\nCuenta\nFecha;Importe\n01/05/2024;1\n"), 422, "invalid_statement", "csv_mapping.debit"},
			{"wrong media type", "application/json", []byte(`{}`), 415, "unsupported_media_type", ""},
			{"bad format", "text/plain", []byte("x"), 422, "invalid_format", "format"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := path
				if tc.name == "bad format" {
					p += "?format=xls"
				}
				env := requireStatus(t, e.request(t, manager, http.MethodPost, p, tc.contentType, tc.body), tc.status, tc.code)
				if tc.field != "" {
					require.Equal(t, tc.field, env.Error.Details["field"])
				}
			})
		}
		t.Run("bad multipart", func(t *testing.T) {
			requireStatus(t, e.postForm(t, manager, path, formPart{name: "other", data: []byte("x")}), http.StatusBadRequest, "unknown_field")
			requireStatus(t, e.postForm(t, manager, path, formPart{name: "format", data: []byte("csv")}), http.StatusBadRequest, "no_file")
			requireStatus(t, e.postForm(t, manager, path, formPart{name: "file", filename: "a.csv", data: []byte("x")},
				formPart{name: "mapping", data: []byte(`{"nope":1}`)}), http.StatusUnprocessableEntity, "invalid_mapping")
			requireStatus(t, e.postForm(t, manager, path, formPart{name: "file", filename: "a.csv", data: []byte("x")},
				formPart{name: "save_mapping", data: []byte(`true`)}), http.StatusUnprocessableEntity, "mapping_required")
		})
		require.Equal(t, before, e.count(t, "bank_import_batches", owner.CompanyID))
		require.Equal(t, movements, e.count(t, "bank_movements", owner.CompanyID))
	})

	t.Run("viewer cannot import", func(t *testing.T) {
		requireStatus(t, e.request(t, as(owner, auth.RoleViewer), http.MethodPost, path, "text/csv", readTestdata(t, "statement.csv")),
			http.StatusForbidden, "insufficient_role")
	})
}

func TestImportOFX(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithLimits(Limits{MaxFileBytes: 16 << 10}))
	owner := e.company(t, rfcCompany)
	acct := e.account(t, owner, NewAccount{Name: "Operación", AccountLast4: "6789"})

	v1 := e.importFile(t, owner, acct.ID, "application/x-ofx", readTestdata(t, "statement_1x.ofx"))
	require.Equal(t, FormatOFX, v1.Format)
	require.Equal(t, [3]int{3, 0, 1}, [3]int{v1.Imported, v1.Duplicates, v1.Rejected})
	require.Empty(t, v1.Warnings)
	v2 := e.importFile(t, owner, acct.ID, "application/octet-stream", readTestdata(t, "statement_2x.ofx"))
	require.Equal(t, FormatOFX, v2.Format, "recognised from the content")
	require.Equal(t, [3]int{1, 1, 1}, [3]int{v2.Imported, v2.Duplicates, v2.Rejected})
	v1again := e.importFile(t, owner, acct.ID, "application/ofx", readTestdata(t, "statement_1x.ofx"))
	require.Equal(t, [3]int{0, 3, 1}, [3]int{v1again.Imported, v1again.Duplicates, v1again.Rejected})

	var fitids []string
	rows, err := e.pool.Query(t.Context(), "SELECT fitid FROM bank_movements WHERE company_id = $1 ORDER BY fitid", owner.CompanyID)
	require.NoError(t, err)
	for rows.Next() {
		var f string
		require.NoError(t, rows.Scan(&f))
		fitids = append(fitids, f)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"202405030001", "202405040002", "202405050003", "202406070004"}, fitids)

	other := e.account(t, owner, NewAccount{Name: "Otra", AccountLast4: "1111"})
	warned := e.importFile(t, owner, other.ID, "application/x-ofx", readTestdata(t, "statement_1x.ofx"))
	require.Equal(t, []string{"the statement's account number does not end in 1111"}, warned.Warnings)

	usd := e.account(t, owner, NewAccount{Name: "Dólares", Currency: "USD"})
	batches := e.count(t, "bank_import_batches", owner.CompanyID)
	cases := []struct {
		name    string
		account uuid.UUID
		body    []byte
		status  int
		code    string
	}{
		{"currency", usd.ID, readTestdata(t, "statement_1x.ofx"), 422, "currency_mismatch"},
		{"doctype", acct.ID, []byte(`<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY a "b">]><OFX></OFX>`), 422, "invalid_statement"},
		{"deep", acct.ID, []byte("<OFX>" + strings.Repeat("<A>", 1000)), 422, "invalid_statement"},
		{"no transactions", acct.ID, []byte("<OFX><CURDEF>MXN</CURDEF></OFX>"), 422, "empty_statement"},
		{"all rejected", acct.ID, []byte("<OFX><STMTTRN><DTPOSTED>2024<TRNAMT>1</STMTTRN></OFX>"), 422, "no_valid_rows"},
		{"too large", acct.ID, []byte("<OFX>" + strings.Repeat(" ", 17<<10)), 413, "file_too_large"},
		{"unknown account", uuid.New(), readTestdata(t, "statement_1x.ofx"), 404, "account_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireStatus(t, e.request(t, owner, http.MethodPost, base+"/accounts/"+tc.account.String()+"/imports", "application/x-ofx", tc.body),
				tc.status, tc.code)
		})
	}
	t.Run("nothing written", func(t *testing.T) {
		require.Equal(t, batches, e.count(t, "bank_import_batches", owner.CompanyID))
	})
}

// TestListsShareOneShape checks every bank list answers the page envelope
// and refuses a bad limit with the one code every list uses.
func TestListsShareOneShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.company(t, rfcCompany)
	acct := e.account(t, owner, NewAccount{Name: "Operación"})
	e.importFile(t, owner, acct.ID, "application/x-ofx", readTestdata(t, "statement_1x.ofx"))
	for _, path := range []string{"/accounts", "/accounts/" + acct.ID.String() + "/imports", "/movements", "/matches"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			rec := e.get(t, owner, base+path+"?limit=1")
			requireStatus(t, rec, http.StatusOK, "")
			var page map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
			require.ElementsMatch(t, []string{"data", "next_cursor"}, slices.Collect(maps.Keys(page)), "body: %s", rec.Body)
			require.True(t, strings.HasPrefix(string(page["data"]), "["), "data is a list: %s", page["data"])
			for _, bad := range []string{"0", "501", "abc", "-1", "2.5"} {
				env := requireStatus(t, e.get(t, owner, base+path+"?limit="+bad), http.StatusBadRequest, "invalid_limit")
				require.Equal(t, "limit", env.Error.Details["field"])
			}
		})
	}
}

// TestImportRealBankFiles imports files shaped like real banks' exports
// and checks every row is stored, with the bank's precision kept exactly.
func TestImportRealBankFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.company(t, rfcCompany)
	manager := as(owner, auth.RoleManager)
	movements := func(t *testing.T, account uuid.UUID) map[string]Movement {
		t.Helper()
		rec := e.get(t, owner, base+"/movements?account_id="+account.String())
		requireStatus(t, rec, http.StatusOK, "")
		out := map[string]Movement{}
		for _, m := range decode[httpx.Page[Movement]](t, rec).Data {
			out[m.FITID] = m
		}
		return out
	}

	t.Run("Suncorp 2.x with CDATA", func(t *testing.T) {
		t.Parallel()
		// The platform has no AUD account; the file's shape is what counts.
		data := strings.Replace(string(readTestdata(t, "statement_suncorp_2x.ofx")), "<CURDEF>AUD", "<CURDEF>USD", 1)
		acct := e.account(t, owner, NewAccount{Name: "Suncorp", Currency: "USD", AccountLast4: "6789"})
		res := e.importFile(t, manager, acct.ID, "application/x-ofx", []byte(data))
		require.Equal(t, [3]int{3, 0, 0}, [3]int{res.Imported, res.Duplicates, res.Rejected})
		require.Empty(t, res.Warnings)
		got := movements(t, acct.ID)
		require.Equal(t, "DEPOSIT <ACME & SONS> PTY INV 1042 ]]> PAID &amp; THANKS", got["20240605.1"].Description)
		require.Equal(t, "1500.00", got["20240605.1"].Amount)
		require.Equal(t, "-42.50", got["20240603.1"].Amount)
	})

	t.Run("Fidelity four decimals", func(t *testing.T) {
		t.Parallel()
		acct := e.account(t, owner, NewAccount{Name: "Fidelity", Currency: "USD", AccountLast4: "5678"})
		data := readTestdata(t, "statement_fidelity_1x.ofx")
		res := e.importFile(t, manager, acct.ID, "application/x-ofx", data)
		require.Equal(t, [3]int{4, 0, 0}, [3]int{res.Imported, res.Duplicates, res.Rejected})
		got := movements(t, acct.ID)
		amounts := map[string]string{}
		for fitid, m := range got {
			amounts[fitid] = m.Amount
		}
		require.Equal(t, map[string]string{"X240603A1": "115.8331", "X240604A2": "-20.00", "X240607A3": "2500.00", "X240610A4": "-0.0042"}, amounts)
		require.Equal(t, "withdrawal", got["X240610A4"].Kind)

		var stored string
		require.NoError(t, e.pool.QueryRow(t.Context(),
			"SELECT amount::text FROM bank_movements WHERE company_id = $1 AND fitid = 'X240603A1'", owner.CompanyID).Scan(&stored))
		require.Equal(t, "115.833100", stored, "stored exactly, not rounded to the cent")

		again := e.importFile(t, manager, acct.ID, "application/x-ofx", data)
		require.Equal(t, [3]int{0, 4, 0}, [3]int{again.Imported, again.Duplicates, again.Rejected})
	})

	t.Run("match difference keeps the precision", func(t *testing.T) {
		t.Parallel()
		acct := e.account(t, owner, NewAccount{Name: "Inversiones"})
		res := e.importFile(t, manager, acct.ID, "application/x-ofx", []byte(`OFXHEADER:100

<OFX><CURDEF>MXN<STMTTRN><DTPOSTED>20240603<TRNAMT>+000115.8331<NAME>SPEI `+rfcOther+`</STMTTRN></OFX>`))
		require.Equal(t, 1, res.Imported)
		var mov Movement
		for _, m := range movements(t, acct.ID) {
			mov = m
		}
		inv := e.ingest(t, owner, sale(rfcOther, "2024-06-01T09:00:00", "115.83"))
		rec := e.postJSON(t, manager, base+"/matches", NewMatch{MovementID: mov.ID, InvoiceIDs: []uuid.UUID{inv}})
		requireStatus(t, rec, http.StatusCreated, "")
		require.Equal(t, "0.0031", decode[Match](t, rec).Difference)
	})

	t.Run("a sub-cent amount is never an automatic match", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t) // a company of its own: its invoices are the only candidates
		other := e.company(t, rfcCompany)
		acct := e.account(t, other, NewAccount{Name: "Cuenta"})
		for _, total := range []string{"100.00", "200.00", "300.00"} {
			e.ingest(t, other, sale(rfcOther, "2024-06-01T09:00:00", total))
		}
		res := e.importFile(t, other, acct.ID, "application/x-ofx", []byte(`OFXHEADER:100

<OFX><CURDEF>MXN<STMTTRN><DTPOSTED>20240603<TRNAMT>+600.0031<NAME>SPEI `+rfcOther+` PAGO FACTURAS</STMTTRN></OFX>`))
		require.Equal(t, 1, res.Imported)
		rec := e.postJSON(t, as(other, auth.RoleManager), base+"/reconcile", ReconcileOptions{AccountID: acct.ID})
		requireStatus(t, rec, http.StatusOK, "")
		got := decode[ReconcileResult](t, rec)
		require.Empty(t, got.Matched, "600.0031 is no sum of invoices of whole cents: %s", rec.Body)
		require.Zero(t, e.count(t, "bank_matches", other.CompanyID))
	})
}

// reconcileFixture is a company with invoices and a statement whose
// reconciliation has known answers.
type reconcileFixture struct {
	owner, manager auth.Principal
	account        Account
	// Invoices by name.
	inv map[string]uuid.UUID
	// Movements by description.
	mov map[string]Movement
}

func newReconcileFixture(t *testing.T, e *env) reconcileFixture {
	t.Helper()
	f := reconcileFixture{owner: e.company(t, rfcCompany), inv: map[string]uuid.UUID{}, mov: map[string]Movement{}}
	f.manager = as(f.owner, auth.RoleManager)
	f.inv["single"] = e.ingest(t, f.owner, invoice{emisor: rfcCompany, receptor: rfcCustomer, fecha: "2024-05-01T12:00:00",
		subtotal: "100.00", iva: "16.00", total: "116.00"})
	f.inv["part1"] = e.ingest(t, f.owner, sale(rfcOther, "2024-05-01T09:00:00", "100.00"))
	f.inv["part2"] = e.ingest(t, f.owner, sale(rfcOther, "2024-05-02T09:00:00", "200.00"))
	f.inv["part3"] = e.ingest(t, f.owner, sale(rfcOther, "2024-05-03T09:00:00", "300.00"))
	f.inv["twinA"] = e.ingest(t, f.owner, sale("AAA010101AAA", "2024-05-04T09:00:00", "500.00"))
	f.inv["twinB"] = e.ingest(t, f.owner, sale("AAA010101AAA", "2024-05-04T10:00:00", "500.00"))
	f.inv["purchase"] = e.ingest(t, f.owner, invoice{emisor: rfcSupplier, receptor: rfcCompany, fecha: "2024-05-02T16:00:00", total: "1250.50"})
	f.inv["cancelled"] = e.ingest(t, f.owner, sale(rfcCustomer, "2024-05-05T09:00:00", "777.00"))
	_, err := e.invoices.Cancel(t.Context(), f.owner.CompanyID, f.owner.UserID, f.inv["cancelled"], "")
	require.NoError(t, err)

	mapping := CSVMapping{Date: "fecha", Amount: "importe", Description: "concepto"}
	f.account = e.account(t, f.owner, NewAccount{Name: "Operación", CSVMapping: &mapping})
	e.importFile(t, f.manager, f.account.ID, "text/csv", []byte(`fecha,importe,concepto
2024-05-03,116.00,SPEI RECIBIDO `+rfcCustomer+`
2024-05-10,600.00,SPEI `+rfcOther+` PAGO FACTURAS
2024-05-06,500.00,DEPOSITO AAA010101AAA
2024-05-04,-1250.50,PAGO PROVEEDOR `+rfcSupplier+`
2024-05-07,777.00,DEPOSITO CLIENTE
2024-05-08,-35.00,COMISION SPEI
`))
	movs, _, err := e.svc.Movements(t.Context(), f.owner.CompanyID, MovementFilter{Limit: 100})
	require.NoError(t, err)
	for _, m := range movs {
		f.mov[m.Description] = m
	}
	return f
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReconcileFixture(t, e)
	deposit116 := f.mov["SPEI RECIBIDO "+rfcCustomer].ID
	deposit600 := f.mov["SPEI "+rfcOther+" PAGO FACTURAS"].ID
	deposit500 := f.mov["DEPOSITO AAA010101AAA"].ID
	payment := f.mov["PAGO PROVEEDOR "+rfcSupplier].ID
	deposit777 := f.mov["DEPOSITO CLIENTE"].ID
	fee := f.mov["COMISION SPEI"].ID

	check := func(t *testing.T, res ReconcileResult) {
		t.Helper()
		require.Equal(t, 6, res.Examined)
		got := map[uuid.UUID][]uuid.UUID{}
		for _, m := range res.Matched {
			ids := slices.Clone(m.InvoiceIDs)
			slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
			got[m.MovementID] = ids
			require.GreaterOrEqual(t, m.Score, DefaultMinScore)
			require.Equal(t, 50, m.Reasons["amount"])
		}
		parts := []uuid.UUID{f.inv["part1"], f.inv["part2"], f.inv["part3"]}
		slices.SortFunc(parts, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		require.Equal(t, map[uuid.UUID][]uuid.UUID{
			deposit116: {f.inv["single"]},
			deposit600: parts,
			payment:    {f.inv["purchase"]},
		}, got)
		require.Len(t, res.Unresolved, 1)
		require.Equal(t, deposit500, res.Unresolved[0].MovementID)
		require.Equal(t, "ambiguous", res.Unresolved[0].Reason)
		require.Len(t, res.Unresolved[0].Candidates, 2)
		require.Equal(t, 2, res.WithoutCandidates, "the cancelled invoice's deposit and the fee")
	}

	t.Run("dry run records nothing", func(t *testing.T) {
		rec := e.postJSON(t, f.manager, base+"/reconcile", ReconcileOptions{DryRun: true})
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[ReconcileResult](t, rec)
		require.True(t, res.DryRun)
		check(t, res)
		for _, m := range res.Matched {
			require.Nil(t, m.MatchID)
		}
		require.Zero(t, e.count(t, "bank_matches", f.owner.CompanyID))
	})

	var autoMatches []AutoMatch
	t.Run("run", func(t *testing.T) {
		rec := e.request(t, f.manager, http.MethodPost, base+"/reconcile", "application/json", nil)
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[ReconcileResult](t, rec)
		check(t, res)
		autoMatches = res.Matched
		require.Equal(t, 3, e.count(t, "bank_matches", f.owner.CompanyID))
		require.Equal(t, 5, e.count(t, "bank_match_invoices", f.owner.CompanyID))
		var method string
		var actor uuid.UUID
		require.NoError(t, e.pool.QueryRow(t.Context(), "SELECT method, actor_id FROM bank_matches WHERE id = $1", *res.Matched[0].MatchID).Scan(&method, &actor))
		require.Equal(t, "auto", method)
		require.Equal(t, f.manager.UserID, actor)

		rec = e.get(t, f.owner, base+"/movements?status=reconciled")
		require.Len(t, decode[httpx.Page[Movement]](t, rec).Data, 3)
	})

	t.Run("a second run finds the rest unchanged", func(t *testing.T) {
		rec := e.postJSON(t, f.manager, base+"/reconcile", map[string]any{"window_days": 30})
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[ReconcileResult](t, rec)
		require.Equal(t, 3, res.Examined)
		require.Empty(t, res.Matched)
		require.Len(t, res.Unresolved, 1)
	})

	t.Run("bad options", func(t *testing.T) {
		for body, code := range map[string]string{
			`{"window_days":-1}`:    "invalid_window",
			`{"window_days":400}`:   "invalid_window",
			`{"min_score":101}`:     "invalid_min_score",
			`{"from":"05/01/2024"}`: "invalid_date",
		} {
			requireStatus(t, e.request(t, f.manager, http.MethodPost, base+"/reconcile", "application/json", []byte(body)), http.StatusUnprocessableEntity, code)
		}
		requireStatus(t, e.request(t, f.manager, http.MethodPost, base+"/reconcile", "application/json", []byte(`{"force":true}`)), http.StatusBadRequest, "unknown_field")
		requireStatus(t, e.postJSON(t, f.manager, base+"/reconcile", ReconcileOptions{AccountID: uuid.New()}), http.StatusNotFound, "account_not_found")
		requireStatus(t, e.postJSON(t, as(f.owner, auth.RoleCashier), base+"/reconcile", ReconcileOptions{}), http.StatusForbidden, "insufficient_role")
	})

	var manual Match
	t.Run("manual match", func(t *testing.T) {
		rec := e.postJSON(t, f.manager, base+"/matches", NewMatch{MovementID: deposit500, InvoiceIDs: []uuid.UUID{f.inv["twinB"]}, Note: "confirmado con el cliente"})
		requireStatus(t, rec, http.StatusCreated, "")
		manual = decode[Match](t, rec)
		require.Equal(t, "manual", manual.Method)
		require.Equal(t, "0.00", manual.Difference)
		require.Equal(t, 50, manual.Reasons["amount"])
		require.Equal(t, 15, manual.Reasons["rfc"])
		require.Equal(t, f.manager.UserID, *manual.ActorID)
		require.Equal(t, "confirmado con el cliente", manual.Note)

		_, err := e.invoices.Cancel(t.Context(), f.owner.CompanyID, f.owner.UserID, f.inv["twinB"], "")
		require.ErrorContains(t, err, "invoice_reconciled", "a paid invoice cannot be cancelled")

		withDifference := e.postJSON(t, f.manager, base+"/matches", NewMatch{MovementID: deposit777, InvoiceIDs: []uuid.UUID{f.inv["twinA"]}})
		requireStatus(t, withDifference, http.StatusCreated, "")
		diff := decode[Match](t, withDifference)
		require.Equal(t, "277.00", diff.Difference)
		require.Zero(t, diff.Reasons["amount"])
		require.Equal(t, 2, e.count(t, "audit_log", f.owner.CompanyID), "each manual match is in the audit log")
	})

	t.Run("manual match refusals", func(t *testing.T) {
		cases := []struct {
			name   string
			in     NewMatch
			status int
			code   string
		}{
			{"movement matched", NewMatch{MovementID: deposit500, InvoiceIDs: []uuid.UUID{f.inv["single"]}}, 409, "movement_already_matched"},
			{"invoice matched", NewMatch{MovementID: fee, InvoiceIDs: []uuid.UUID{f.inv["purchase"]}}, 409, "invoice_already_matched"},
			{"invoice cancelled", NewMatch{MovementID: fee, InvoiceIDs: []uuid.UUID{f.inv["cancelled"]}}, 409, "invoice_cancelled"},
			{"unknown invoice", NewMatch{MovementID: fee, InvoiceIDs: []uuid.UUID{uuid.New()}}, 404, "invoice_not_found"},
			{"unknown movement", NewMatch{MovementID: uuid.New(), InvoiceIDs: []uuid.UUID{f.inv["single"]}}, 404, "movement_not_found"},
			{"no invoices", NewMatch{MovementID: fee}, 422, "invalid_field"},
			{"twice the same invoice", NewMatch{MovementID: fee, InvoiceIDs: []uuid.UUID{f.inv["single"], f.inv["single"]}}, 422, "invalid_field"},
			{"no movement", NewMatch{InvoiceIDs: []uuid.UUID{f.inv["single"]}}, 422, "invalid_field"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				requireStatus(t, e.postJSON(t, f.manager, base+"/matches", tc.in), tc.status, tc.code)
			})
		}
		// A withdrawal cannot pay a sale: undo the 116 deposit's match to
		// free its invoice first.
		i := slices.IndexFunc(autoMatches, func(m AutoMatch) bool { return m.MovementID == deposit116 })
		require.GreaterOrEqual(t, i, 0)
		requireStatus(t, e.request(t, f.manager, http.MethodDelete, base+"/matches/"+autoMatches[i].MatchID.String(), "", nil), http.StatusOK, "")
		requireStatus(t, e.postJSON(t, f.manager, base+"/matches", NewMatch{MovementID: fee, InvoiceIDs: []uuid.UUID{f.inv["single"]}}),
			http.StatusUnprocessableEntity, "direction_mismatch")
	})

	t.Run("undo is audited", func(t *testing.T) {
		path := base + "/matches/" + manual.ID.String()
		undoer := as(f.owner, auth.RoleManager)
		rec := e.request(t, undoer, http.MethodDelete, path, "", nil)
		requireStatus(t, rec, http.StatusOK, "")
		undone := decode[Match](t, rec)
		require.NotNil(t, undone.UndoneAt)
		require.Equal(t, undoer.UserID, *undone.UndoneBy)
		requireStatus(t, e.request(t, undoer, http.MethodDelete, path, "", nil), http.StatusConflict, "match_already_undone")
		requireStatus(t, e.request(t, undoer, http.MethodDelete, base+"/matches/"+uuid.NewString(), "", nil), http.StatusNotFound, "match_not_found")

		// The invoice is free again and can be matched to the movement anew.
		rec = e.postJSON(t, f.manager, base+"/matches", NewMatch{MovementID: deposit500, InvoiceIDs: []uuid.UUID{f.inv["twinB"]}})
		requireStatus(t, rec, http.StatusCreated, "")

		rec = e.get(t, f.owner, base+"/matches?invoice_id="+f.inv["twinB"].String())
		history := decode[httpx.Page[Match]](t, rec).Data
		require.Len(t, history, 2, "the undone match stays on record")
		rec = e.get(t, f.owner, base+"/matches?live=true&invoice_id="+f.inv["twinB"].String())
		require.Len(t, decode[httpx.Page[Match]](t, rec).Data, 1)
		rec = e.get(t, f.owner, base+"/matches?movement_id="+deposit116.String())
		require.Len(t, decode[httpx.Page[Match]](t, rec).Data, 1)
		rec = e.get(t, f.owner, base+"/matches?limit=2")
		page := decode[httpx.Page[Match]](t, rec)
		require.Len(t, page.Data, 2)
		require.NotNil(t, page.NextCursor)
		requireStatus(t, e.get(t, f.owner, base+"/matches?live=maybe"), http.StatusBadRequest, "invalid_query")
	})

	t.Run("unreconciled report", func(t *testing.T) {
		rec := e.get(t, as(f.owner, auth.RoleViewer), base+"/reports/unreconciled")
		requireStatus(t, rec, http.StatusOK, "")
		require.Positive(t, httpxtest.RequireUTCTimes(t, rec.Body.Bytes()), "invoice fechas and created_at are UTC")
		rep := decode[UnreconciledReport](t, rec)
		var movs []uuid.UUID
		for _, m := range rep.Movements.Data {
			movs = append(movs, m.ID)
		}
		require.ElementsMatch(t, []uuid.UUID{deposit116, fee}, movs)
		var invs []uuid.UUID
		for _, i := range rep.Invoices.Data {
			invs = append(invs, i.ID)
		}
		require.ElementsMatch(t, []uuid.UUID{f.inv["single"]}, invs)
		require.Equal(t, rfcCustomer, rep.Invoices.Data[0].CounterpartyRFC)
		require.Equal(t, []MovementTotals{{Currency: "MXN", Count: 2, Deposits: "116.00", Withdrawals: "-35.00"}}, rep.MovementTotals)
		require.Equal(t, []InvoiceTotals{{Currency: "MXN", Direction: "issued", Count: 1, Total: "116.00"}}, rep.InvoiceTotals)

		rec = e.get(t, f.owner, base+"/reports/unreconciled?limit=1&from=2024-05-01&to=2024-05-31&account_id="+f.account.ID.String())
		rep = decode[UnreconciledReport](t, rec)
		require.Len(t, rep.Movements.Data, 1)
		require.NotNil(t, rep.Movements.NextCursor)
		rec = e.get(t, f.owner, base+"/reports/unreconciled?limit=1&movements_cursor="+*rep.Movements.NextCursor)
		next := decode[UnreconciledReport](t, rec)
		require.Len(t, next.Movements.Data, 1)
		require.NotEqual(t, rep.Movements.Data[0].ID, next.Movements.Data[0].ID)

		rec = e.get(t, f.owner, base+"/reports/unreconciled?from=2024-06-01")
		rep = decode[UnreconciledReport](t, rec)
		require.Empty(t, rep.Movements.Data)
		require.Empty(t, rep.Invoices.Data)
		requireStatus(t, e.get(t, f.owner, base+"/reports/unreconciled?from=june"), http.StatusBadRequest, "invalid_query")
		requireStatus(t, e.get(t, f.owner, base+"/reports/unreconciled?movements_cursor=x"), http.StatusBadRequest, "invalid_cursor")
	})
}

// Concurrent runs are serialized: each movement is matched once.
func TestReconcileConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newReconcileFixture(t, e)
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() {
			codes[i] = e.request(t, f.manager, http.MethodPost, base+"/reconcile", "", nil).Code
		})
	}
	wg.Wait()
	require.Equal(t, []int{200, 200, 200, 200}, codes)
	require.Equal(t, 3, e.count(t, "bank_matches", f.owner.CompanyID))
}

// Company B's accounts, movements and matches do not exist for company A.
func TestCrossTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := newReconcileFixture(t, e)
	res, err := e.svc.Reconcile(t.Context(), b.owner.CompanyID, b.owner.UserID, ReconcileOptions{})
	require.NoError(t, err)
	require.Len(t, res.Matched, 3)
	bMatch := *res.Matched[0].MatchID
	bMovement := b.mov["COMISION SPEI"].ID

	a := e.company(t, "AAA010101AAA")
	mapping := CSVMapping{Date: "fecha", Amount: "importe", Description: "concepto"}
	aAcct := e.account(t, a, NewAccount{Name: "Operación", CSVMapping: &mapping})
	e.importFile(t, a, aAcct.ID, "text/csv", []byte("fecha,importe,concepto\n2024-05-06,500.00,DEPOSITO\n"))
	aMovs, _, err := e.svc.Movements(t.Context(), a.CompanyID, MovementFilter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, aMovs, 1)
	aInvoice := e.ingest(t, a, invoice{emisor: "AAA010101AAA", receptor: rfcCustomer, fecha: "2024-05-04T09:00:00", total: "500.00"})

	acct := b.account.ID.String()
	routes := []struct {
		method, path, contentType string
		body                      []byte
		code                      string
	}{
		{http.MethodGet, base + "/accounts/" + acct, "", nil, "account_not_found"},
		{http.MethodPut, base + "/accounts/" + acct + "/csv-mapping", "application/json", []byte(`null`), "account_not_found"},
		{http.MethodPost, base + "/accounts/" + acct + "/imports", "text/csv", []byte("fecha,importe,concepto\n2024-05-06,1.00,X\n"), "account_not_found"},
		{http.MethodGet, base + "/accounts/" + acct + "/imports", "", nil, "account_not_found"},
		{http.MethodDelete, base + "/matches/" + bMatch.String(), "", nil, "match_not_found"},
		{http.MethodPost, base + "/matches", "application/json", []byte(`{"movement_id":"` + bMovement.String() + `","invoice_ids":["` + aInvoice.String() + `"]}`), "movement_not_found"},
		{http.MethodPost, base + "/matches", "application/json", []byte(`{"movement_id":"` + aMovs[0].ID.String() + `","invoice_ids":["` + b.inv["twinA"].String() + `"]}`), "invoice_not_found"},
		{http.MethodPost, base + "/reconcile", "application/json", []byte(`{"account_id":"` + acct + `"}`), "account_not_found"},
		{http.MethodGet, base + "/reports/unreconciled?account_id=" + acct, "", nil, "account_not_found"},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			requireStatus(t, e.request(t, a, rt.method, rt.path, rt.contentType, rt.body), http.StatusNotFound, rt.code)
		})
	}

	t.Run("lists show only A's rows", func(t *testing.T) {
		accounts := decode[httpx.Page[Account]](t, e.get(t, a, base+"/accounts")).Data
		require.Len(t, accounts, 1)
		require.Equal(t, aAcct.ID, accounts[0].ID)
		movs := decode[httpx.Page[Movement]](t, e.get(t, a, base+"/movements")).Data
		require.Len(t, movs, 1)
		require.Empty(t, decode[httpx.Page[Match]](t, e.get(t, a, base+"/matches")).Data)
		rep := decode[UnreconciledReport](t, e.get(t, a, base+"/reports/unreconciled"))
		require.Len(t, rep.Movements.Data, 1)
		require.Len(t, rep.Invoices.Data, 1)
		require.Equal(t, aInvoice, rep.Invoices.Data[0].ID)
	})

	t.Run("A's run touches only A", func(t *testing.T) {
		rec := e.request(t, a, http.MethodPost, base+"/reconcile", "", nil)
		requireStatus(t, rec, http.StatusOK, "")
		res := decode[ReconcileResult](t, rec)
		require.Equal(t, 1, res.Examined)
		require.Len(t, res.Matched, 1)
		require.Equal(t, []uuid.UUID{aInvoice}, res.Matched[0].InvoiceIDs)
		require.Equal(t, 3, e.count(t, "bank_matches", b.owner.CompanyID))
	})
}
