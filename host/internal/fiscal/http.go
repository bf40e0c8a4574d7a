package fiscal

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// Routes mounts the operators' fiscal API on r, which the host mounts at
// /api/v1/fiscal behind authentication; the caller's company is the
// token's:
//
//	GET    /documents                  viewer  list: status, kind, vertical, source_id, from, to, limit, cursor
//	GET    /documents/{id}             viewer  a document with the vertical's input
//	GET    /documents/{id}/printable   viewer  the printable receipt (AR: HTML with AFIP's QR; MX: PDF)
//	GET    /settings                   admin   the company's fiscal settings
//	PUT    /settings                   admin   {"environment","auto_issue","config"} → the settings
//	GET    /credentials                admin   credential names and update times, never values
//	PUT    /credentials/{name}         admin   {"value"} → 204 (sealed in the secrets service)
//	DELETE /credentials/{name}         admin   → 204
//	GET    /{country}/parameters/{table} admin the authority's parameter table for the company (AR: WSFEv1's)
//
// Documents are issued by verticals through the SDK, never here.
func (s *Service) Routes(r chi.Router) {
	viewer, admin := auth.RequireRole(auth.RoleViewer), auth.RequireRole(auth.RoleAdmin)
	r.With(viewer).Get("/documents", httpx.Handle(s.handleList))
	r.With(viewer).Get("/documents/{id}", httpx.Handle(s.handleGet))
	r.With(viewer).Get("/documents/{id}/printable", httpx.Handle(s.handlePrintable))
	r.With(admin).Get("/settings", httpx.Handle(s.handleGetSettings))
	r.With(admin).Put("/settings", httpx.Handle(s.handlePutSettings))
	r.With(admin).Get("/credentials", httpx.Handle(s.handleListCredentials))
	r.With(admin).Put("/credentials/{name}", httpx.Handle(s.handlePutCredential))
	r.With(admin).Delete("/credentials/{name}", httpx.Handle(s.handleDeleteCredential))
	r.With(admin).Get("/{country}/parameters/{table}", httpx.Handle(s.handleParameters))
}

// companyOf returns the caller's company.
func companyOf(r *http.Request) (uuid.UUID, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return uuid.Nil, httpx.Unauthorized("authentication required")
	}
	if p.CompanyID == uuid.Nil {
		return uuid.Nil, httpx.Forbidden("company_required", "this route needs a token scoped to a company")
	}
	return p.CompanyID, nil
}

// listParams are the list's query parameters.
var listParams = []string{"status", "kind", "vertical", "source_id", "from", "to", "limit", "cursor"}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	f, err := parseListFilter(r)
	if err != nil {
		return err
	}
	docs, next, err := s.List(r.Context(), companyID, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(docs, next))
	return nil
}

// parseListFilter reads the list's filters; an unknown or malformed one is
// a 400 invalid_query naming it.
func parseListFilter(r *http.Request) (ListFilter, error) {
	if err := httpx.KnownQuery(r, listParams); err != nil {
		return ListFilter{}, err
	}
	q := r.URL.Query()
	f := ListFilter{Vertical: q.Get("vertical"), SourceID: q.Get("source_id"), Cursor: q.Get("cursor")}
	switch st := fiscal.Status(q.Get("status")); st {
	case "", fiscal.StatusDraft, fiscal.StatusPendingGlobal, fiscal.StatusRequested, fiscal.StatusAuthorized, fiscal.StatusRejected,
		fiscal.StatusCancellationRequested, fiscal.StatusCancelled:
		f.Status = st
	default:
		return f, httpx.InvalidQuery("status", "draft, pending_global, requested, authorized, rejected, cancellation_requested or cancelled")
	}
	switch k := fiscal.Kind(q.Get("kind")); k {
	case "", fiscal.KindInvoice, fiscal.KindCreditNote, fiscal.KindPaymentReceipt:
		f.Kind = k
	default:
		return f, httpx.InvalidQuery("kind", "invoice, credit_note or payment_receipt")
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, httpx.InvalidQuery(p.name, "an RFC 3339 time such as 2026-12-05T10:00:00Z")
			}
			*p.dst = t
		}
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, httpx.MaxLimit)
	f.Limit = limit
	return f, err
}

// documentID reads {id}; an id that is not a UUID names no document.
func documentID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, errDocumentNotFound()
	}
	return id, nil
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	id, err := documentID(r)
	if err != nil {
		return err
	}
	doc, err := s.Get(r.Context(), companyID, "", id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, doc.Document)
	return nil
}

func (s *Service) handlePrintable(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	id, err := documentID(r)
	if err != nil {
		return err
	}
	p, err := s.Printable(r.Context(), companyID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", p.ContentType)
	if p.Filename != "" {
		w.Header().Set("Content-Disposition", `inline; filename="`+p.Filename+`"`)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(p.Body)
	return nil
}

func (s *Service) handleGetSettings(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	st, err := s.Settings(r.Context(), companyID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

// settingsBody is the body of PUT /settings.
type settingsBody struct {
	Environment Environment    `json:"environment"`
	AutoIssue   bool           `json:"auto_issue"`
	Config      map[string]any `json:"config"`
}

func (s *Service) handlePutSettings(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	var body struct {
		Environment Environment `json:"environment"`
		AutoIssue   bool        `json:"auto_issue"`
		Config      rawObject   `json:"config"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	st, err := s.PutSettings(r.Context(), companyID, Settings{Environment: body.Environment, AutoIssue: body.AutoIssue, Config: []byte(body.Config)})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, st)
	return nil
}

// rawObject keeps a JSON object as it came; anything else is refused.
type rawObject []byte

// UnmarshalJSON implements json.Unmarshaler.
func (o *rawObject) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if !strings.HasPrefix(s, "{") {
		return httpx.Unprocessable("invalid_field", "config: a JSON object").
			WithDetails(map[string]any{"field": "config", "reason": "a JSON object"})
	}
	*o = append((*o)[:0], b...)
	return nil
}

func (s *Service) handleListCredentials(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	list, err := s.credentials.List(r.Context(), companyID, SecretsNamespace)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, ""))
	return nil
}

// credentialBody is the body of PUT /credentials/{name}.
type credentialBody struct {
	Value string `json:"value"`
}

func (s *Service) handlePutCredential(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	var body struct {
		Value *string `json:"value"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Value == nil {
		return httpx.BadRequest("missing_field", "field value is required").WithDetails(map[string]any{"field": "value"})
	}
	if err := s.credentials.Put(r.Context(), credentialAddress(companyID, chi.URLParam(r, "name")), []byte(*body.Value)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleDeleteCredential(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	if err := s.credentials.Delete(r.Context(), credentialAddress(companyID, chi.URLParam(r, "name"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleParameters(w http.ResponseWriter, r *http.Request) error {
	companyID, err := companyOf(r)
	if err != nil {
		return err
	}
	if err := httpx.KnownQuery(r, s.parameterQuery()); err != nil {
		return err
	}
	query := map[string]string{}
	for k := range r.URL.Query() {
		query[k] = r.URL.Query().Get(k)
	}
	rows, err := s.Parameters(r.Context(), companyID, chi.URLParam(r, "country"), chi.URLParam(r, "table"), query)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(rows, ""))
	return nil
}
