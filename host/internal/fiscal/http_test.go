package fiscal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// TestDocumentsAPI checks the operators' read API: a keyset list with
// filters, a document with its input, the printable form, and 400/404 on
// bad input.
func TestDocumentsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, tok := e.company(t, true)
	for i := range 5 {
		_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale(fmt.Sprintf("sale-%d", i)))
		require.NoError(t, err)
	}
	e.stub.issue = func(*Document, Attempt) (Outcome, error) {
		return Outcome{Result: Rejected, Messages: []fiscal.Message{{Type: "error", Code: "10048", Message: "ImpTotal"}}}, nil
	}
	_, err := e.svc.Issue(t.Context(), companyID, "services", sale("charge-1"))
	require.NoError(t, err)

	var page httpx.Page[fiscal.Document]
	var all []fiscal.Document
	path := "/api/v1/fiscal/documents?limit=2"
	for {
		rec := e.do(t, tok, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
		all = append(all, page.Data...)
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/fiscal/documents?limit=2&cursor=" + *page.NextCursor
	}
	require.Len(t, all, 6)
	require.Equal(t, "charge-1", all[0].SourceID, "newest first")
	require.Nil(t, all[0].Input, "lists carry no input")

	rec := e.do(t, tok, http.MethodGet, "/api/v1/fiscal/documents?status=rejected", nil)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
	require.Len(t, page.Data, 1)
	require.Equal(t, "10048", page.Data[0].Messages[0].Code)
	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/documents?vertical=cpg&source_id=sale-3", nil)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
	require.Len(t, page.Data, 1)
	id := page.Data[0].ID

	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/documents/"+id.String(), nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var doc fiscal.Document
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "sale-3", doc.Input.SourceID)
	require.Equal(t, "286.2", doc.Input.Totals.Total.String())

	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/documents/"+id.String()+"/printable", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "receipt "+*doc.AuthorizationCode, rec.Body.String())

	for _, c := range []struct{ path, code string }{
		{"/api/v1/fiscal/documents?colour=red", "invalid_query"},
		{"/api/v1/fiscal/documents?status=paid", "invalid_query"},
		{"/api/v1/fiscal/documents?from=yesterday", "invalid_query"},
		{"/api/v1/fiscal/documents?limit=501", "invalid_limit"},
		{"/api/v1/fiscal/documents?cursor=zzz", "invalid_cursor"},
	} {
		rec := e.do(t, tok, http.MethodGet, c.path, nil)
		require.Equal(t, http.StatusBadRequest, rec.Code, c.path)
		require.Contains(t, rec.Body.String(), `"code":"`+c.code+`"`, c.path)
	}
	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/documents/not-a-uuid", nil)
	require.Equal(t, http.StatusNotFound, rec.Code)
}

// TestAnotherCompanyNeverSeesADocument checks tenant isolation: another
// company's admin neither lists, reads, prints nor cancels a document,
// through the API or the service.
func TestAnotherCompanyNeverSeesADocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyA, _ := e.company(t, true)
	companyB, tokB := e.company(t, true)
	doc, err := e.svc.Issue(t.Context(), companyA, "cpg", sale("sale-1"))
	require.NoError(t, err)

	var page httpx.Page[fiscal.Document]
	rec := e.do(t, tokB, http.MethodGet, "/api/v1/fiscal/documents", nil)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
	require.Empty(t, page.Data)
	for _, p := range []string{"/api/v1/fiscal/documents/" + doc.ID.String(), "/api/v1/fiscal/documents/" + doc.ID.String() + "/printable"} {
		rec := e.do(t, tokB, http.MethodGet, p, nil)
		require.Equal(t, http.StatusNotFound, rec.Code, p)
	}
	requireCode(t, must(e.svc.Get(t.Context(), companyB, "", doc.ID)), http.StatusNotFound, "fiscal_document_not_found")
	requireCode(t, must(e.svc.Cancel(t.Context(), companyB, "cpg", doc.ID, "02")), http.StatusNotFound, "fiscal_document_not_found")
	// B's credit note cannot name A's invoice either.
	credit := sale("return-1")
	credit.Kind, credit.RelatedDocumentID = fiscal.KindCreditNote, &doc.ID
	requireCode(t, must(e.svc.Issue(t.Context(), companyB, "cpg", credit)), http.StatusUnprocessableEntity, "invalid_field")
	// Row-level security holds without the filters: B's tenant transaction
	// sees no row of A.
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM fiscal_documents WHERE company_id = $1`, companyA).Scan(&n))
	require.Equal(t, 1, n)
	got, _, err := e.svc.List(t.Context(), companyB, ListFilter{})
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestSettingsAndCredentials checks the settings round trip and its
// validation, and that a credential is stored sealed, listed by name and
// never answered.
func TestSettingsAndCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, tok := e.company(t, false)
	rec := e.do(t, tok, http.MethodGet, "/api/v1/fiscal/settings", nil)
	require.Equal(t, http.StatusNotFound, rec.Code)
	rec = e.do(t, tok, http.MethodPut, "/api/v1/fiscal/settings", map[string]any{"environment": "staging"})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	rec = e.do(t, tok, http.MethodPut, "/api/v1/fiscal/settings", map[string]any{"config": map[string]any{"point_of_sale": 0}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), `"field":"config.point_of_sale"`)
	rec = e.do(t, tok, http.MethodPut, "/api/v1/fiscal/settings", map[string]any{"config": []int{1}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	rec = e.do(t, tok, http.MethodPut, "/api/v1/fiscal/settings", map[string]any{"auto_issue": true, "config": map[string]any{"point_of_sale": 3}})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/settings", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var st Settings
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	require.Equal(t, Homologation, st.Environment)
	require.True(t, st.AutoIssue)
	require.JSONEq(t, `{"point_of_sale":3}`, string(st.Config))
	o, err := e.svc.Overview(t.Context(), companyID)
	require.NoError(t, err)
	require.Equal(t, Overview{Configured: true, Country: "AR", Environment: Homologation, AutoIssue: true}, o)

	const key = "stand-in key material 4f1c9a7e"
	rec = e.do(t, tok, http.MethodPut, "/api/v1/fiscal/credentials/afip_key", map[string]any{"value": key})
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	rec = e.do(t, tok, http.MethodGet, "/api/v1/fiscal/credentials", nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `"name":"afip_key"`)
	require.NotContains(t, rec.Body.String(), "key material")
	envr, _, err := e.svc.env(t.Context(), companyID)
	require.NoError(t, err)
	v, err := envr.Secret(t.Context(), "afip_key")
	require.NoError(t, err)
	require.Equal(t, key, string(v))
	_, err = envr.Secret(t.Context(), "afip_certificate")
	requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_credentials_missing")
	var stored, sealed int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*), count(*) FILTER (WHERE position($2::bytea in ciphertext) > 0)
		FROM secrets WHERE company_id = $1 AND vertical = 'host_fiscal'`, companyID, []byte("key material")).Scan(&stored, &sealed))
	require.Equal(t, 1, stored)
	require.Zero(t, sealed, "stored sealed")
	rec = e.do(t, tok, http.MethodDelete, "/api/v1/fiscal/credentials/afip_key", nil)
	require.Equal(t, http.StatusNoContent, rec.Code)
	var leaked int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE company_id = $1 AND details::text LIKE '%key material%'`, companyID).Scan(&leaked))
	require.Zero(t, leaked, "the audit log never holds a credential")
}
