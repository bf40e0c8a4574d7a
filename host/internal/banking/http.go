package banking

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Page sizes of the list routes.
const (
	defaultPageSize = 100
	maxPageSize     = httpx.MaxLimit
	// maxJSONBody bounds the JSON bodies of this package's routes.
	maxJSONBody = 64 << 10
)

// Routes registers the banking routes on r. Mount it behind authentication
// (it reads auth.FromContext) at /api/v1/bank:
//
//	r.With(authSvc.Authenticate).Route("/api/v1/bank", bankingSvc.Routes)
//
// Statement uploads read bodies up to Limits().MaxFileBytes, so the
// router's general body limit must not be lower on this mount.
//
// Routes, relative to the mount point, and the least role they need:
//
//	POST   /accounts                       admin    NewAccount → 201 Account
//	GET    /accounts                       viewer   keyset page of accounts
//	GET    /accounts/{id}                  viewer   the account
//	PUT    /accounts/{id}/csv-mapping      admin    CSVMapping (or null to remove) → 200 Account
//	POST   /accounts/{id}/imports          manager  a statement → 201 ImportResult
//	GET    /accounts/{id}/imports          viewer   keyset page of batches
//	GET    /movements                      viewer   account_id, from, to, status, limit, cursor
//	POST   /reconcile                      manager  ReconcileOptions → 200 ReconcileResult
//	GET    /matches                        viewer   movement_id, invoice_id, payment_id, live, limit, cursor
//	POST   /matches                        manager  NewMatch → 201 Match
//	DELETE /matches/{id}                   manager  → 200 the undone Match
//	GET    /reports/unreconciled           viewer   account_id, from, to, limit, movements_cursor, invoices_cursor,
//	                                                payments_cursor
//
// A statement is sent as the raw body (text/csv, application/x-ofx,
// application/ofx, or application/octet-stream / text/plain to have the
// format recognised; ?format=csv|ofx forces it, ?filename= names it) or as
// multipart/form-data with the fields "file" (required), "format",
// "mapping" (a CSVMapping as JSON, used instead of the saved one) and
// "save_mapping" ("true" saves that mapping on the account). Ids of another
// company are 404, like ids that do not exist.
func (s *Service) Routes(r chi.Router) {
	viewer, manager, admin := auth.RequireRole(auth.RoleViewer), auth.RequireRole(auth.RoleManager), auth.RequireRole(auth.RoleAdmin)
	r.With(admin).Post("/accounts", httpx.Handle(s.handleCreateAccount))
	r.With(viewer).Get("/accounts", httpx.Handle(s.handleListAccounts))
	r.With(viewer).Get("/accounts/{id}", httpx.Handle(s.handleGetAccount))
	r.With(admin).Put("/accounts/{id}/csv-mapping", httpx.Handle(s.handleSetMapping))
	r.With(manager).Post("/accounts/{id}/imports", httpx.Handle(s.handleImport))
	r.With(viewer).Get("/accounts/{id}/imports", httpx.Handle(s.handleListBatches))
	r.With(viewer).Get("/movements", httpx.Handle(s.handleListMovements))
	r.With(manager).Post("/reconcile", httpx.Handle(s.handleReconcile))
	r.With(viewer).Get("/matches", httpx.Handle(s.handleListMatches))
	r.With(manager).Post("/matches", httpx.Handle(s.handleCreateMatch))
	r.With(manager).Delete("/matches/{id}", httpx.Handle(s.handleUndoMatch))
	r.With(viewer).Get("/reports/unreconciled", httpx.Handle(s.handleUnreconciled))
}

// principal returns the caller, who must act within a company.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.Principal{}, httpx.Unauthorized("authentication required")
	}
	if p.CompanyID == uuid.Nil {
		return auth.Principal{}, httpx.Forbidden("company_required", "this route needs a token scoped to a company")
	}
	return p, nil
}

// pathID reads the {id} path parameter; one that is not a UUID names
// nothing, so it is notFound.
func pathID(r *http.Request, notFound *httpx.Error) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, notFound
	}
	return id, nil
}

// decodeBody strictly decodes a JSON body of at most maxJSONBody bytes.
func decodeBody(r *http.Request, dst any) error {
	return httpx.Decode(io.LimitReader(r.Body, maxJSONBody), dst)
}

// query checks that r has only the known query parameters and returns
// them.
func query(r *http.Request, known ...string) (map[string]string, error) {
	if err := httpx.KnownQuery(r, known); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, vals := range r.URL.Query() {
		out[name] = vals[0]
	}
	return out, nil
}

func queryUUID(q map[string]string, name string) (uuid.UUID, error) {
	v := q[name]
	if v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, httpx.InvalidQuery(name, name+" must be a UUID")
	}
	return id, nil
}

func queryDate(q map[string]string, name string) (time.Time, error) {
	v := q[name]
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, httpx.InvalidQuery(name, name+" must be a date (YYYY-MM-DD)")
	}
	return t, nil
}

func (s *Service) handleCreateAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	var in NewAccount
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	a, err := s.CreateAccount(r.Context(), p.CompanyID, p.UserID, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Service) handleListAccounts(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	q, err := query(r, "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
	if err != nil {
		return err
	}
	list, next, err := s.Accounts(r.Context(), p.CompanyID, q["cursor"], limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleGetAccount(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, errAccountNotFound())
	if err != nil {
		return err
	}
	a, err := s.Account(r.Context(), p.CompanyID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Service) handleSetMapping(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, errAccountNotFound())
	if err != nil {
		return err
	}
	var m *CSVMapping
	if err := decodeBody(r, &m); err != nil {
		return err
	}
	a, err := s.SetCSVMapping(r.Context(), p.CompanyID, id, m)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, errAccountNotFound())
	if err != nil {
		return err
	}
	q, err := query(r, "format", "filename")
	if err != nil {
		return err
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return errUnsupportedMediaType(r.Header.Get("Content-Type"))
	}
	// The multipart envelope adds a little to the file.
	limit := s.limits.MaxFileBytes
	if r.ContentLength > limit+(64<<10) {
		return errFileTooLarge(limit)
	}
	in := ImportInput{Format: q["format"], Filename: q["filename"]}
	switch mediaType {
	case "text/csv", "application/csv", "text/comma-separated-values":
		in.Format = FormatCSV
		err = readRaw(r, limit, &in)
	case "application/x-ofx", "application/ofx", "text/ofx", "application/vnd.intu.qfx":
		in.Format = FormatOFX
		err = readRaw(r, limit, &in)
	case "application/octet-stream", "text/plain":
		err = readRaw(r, limit, &in)
	case "multipart/form-data":
		err = readImportForm(r, params["boundary"], limit, &in)
	default:
		return errUnsupportedMediaType(mediaType)
	}
	if err != nil {
		return err
	}
	res, err := s.Import(r.Context(), p.CompanyID, p.UserID, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, res)
	return nil
}

// readRaw reads a raw statement body.
func readRaw(r *http.Request, limit int64, in *ImportInput) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return httpx.ReadError(err)
	}
	if int64(len(data)) > limit {
		return errFileTooLarge(limit)
	}
	in.Data = data
	return nil
}

// readImportForm reads the multipart form of an import.
func readImportForm(r *http.Request, boundary string, limit int64, in *ImportInput) error {
	if boundary == "" {
		return httpx.BadRequest("invalid_multipart", "multipart/form-data needs a boundary parameter")
	}
	mr := multipart.NewReader(r.Body, boundary)
	var saveMapping string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return httpx.ReadError(err)
			}
			return httpx.BadRequest("invalid_multipart", "the multipart body is malformed: "+err.Error())
		}
		name := part.FormName()
		switch name {
		case "file":
			if in.Data != nil {
				return httpx.BadRequest("invalid_multipart", "send one statement file per request")
			}
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return httpx.ReadError(err)
			}
			if int64(len(data)) > limit {
				return errFileTooLarge(limit)
			}
			in.Data = data
			if in.Filename == "" {
				in.Filename = part.FileName()
			}
		case "format", "mapping", "save_mapping":
			value, err := io.ReadAll(io.LimitReader(part, maxJSONBody+1))
			if err != nil {
				return httpx.ReadError(err)
			}
			if len(value) > maxJSONBody {
				return httpx.BadRequest("invalid_multipart", "the field "+name+" is too long")
			}
			switch name {
			case "format":
				in.Format = strings.TrimSpace(string(value))
			case "save_mapping":
				saveMapping = strings.TrimSpace(string(value))
			default:
				var m CSVMapping
				if err := httpx.DecodeBytes(value, &m); err != nil {
					return errInvalid("invalid_mapping", "mapping", "mapping must be a CSV mapping as JSON: "+httpx.AsError(err).Message)
				}
				in.Mapping = &m
			}
		default:
			return httpx.BadRequest("unknown_field", fmt.Sprintf("unknown form field %q (known: file, format, mapping, save_mapping)", name)).
				WithDetails(map[string]any{"field": name})
		}
	}
	if in.Data == nil {
		return httpx.BadRequest("no_file", "the multipart body has no field \"file\"")
	}
	switch saveMapping {
	case "", "false":
	case "true":
		in.SaveMapping = true
	default:
		return errInvalid("invalid_field", "save_mapping", "save_mapping must be true or false")
	}
	return nil
}

func (s *Service) handleListBatches(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, errAccountNotFound())
	if err != nil {
		return err
	}
	q, err := query(r, "limit", "cursor")
	if err != nil {
		return err
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
	if err != nil {
		return err
	}
	list, next, err := s.Batches(r.Context(), p.CompanyID, id, q["cursor"], limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleListMovements(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	q, err := query(r, "account_id", "from", "to", "status", "limit", "cursor")
	if err != nil {
		return err
	}
	f := MovementFilter{Cursor: q["cursor"], Status: q["status"]}
	if f.Status != "" && f.Status != statusUnreconciled && f.Status != statusReconciled {
		return httpx.InvalidQuery("status", "status must be unreconciled or reconciled")
	}
	if f.AccountID, err = queryUUID(q, "account_id"); err != nil {
		return err
	}
	if f.From, err = queryDate(q, "from"); err != nil {
		return err
	}
	if f.To, err = queryDate(q, "to"); err != nil {
		return err
	}
	if f.Limit, err = httpx.ParseLimit(r, defaultPageSize, maxPageSize); err != nil {
		return err
	}
	list, next, err := s.Movements(r.Context(), p.CompanyID, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleReconcile(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	var opts ReconcileOptions
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody))
	if err != nil {
		return httpx.ReadError(err)
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := httpx.DecodeBytes(body, &opts); err != nil {
			return err
		}
	}
	res, err := s.Reconcile(r.Context(), p.CompanyID, p.UserID, opts)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *Service) handleListMatches(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	q, err := query(r, "movement_id", "invoice_id", "payment_id", "live", "limit", "cursor")
	if err != nil {
		return err
	}
	f := MatchFilter{Cursor: q["cursor"]}
	if f.MovementID, err = queryUUID(q, "movement_id"); err != nil {
		return err
	}
	if f.InvoiceID, err = queryUUID(q, "invoice_id"); err != nil {
		return err
	}
	if f.PaymentID, err = queryUUID(q, "payment_id"); err != nil {
		return err
	}
	switch q["live"] {
	case "", "false":
	case "true":
		f.LiveOnly = true
	default:
		return httpx.InvalidQuery("live", "live must be true or false")
	}
	if f.Limit, err = httpx.ParseLimit(r, defaultPageSize, maxPageSize); err != nil {
		return err
	}
	list, next, err := s.Matches(r.Context(), p.CompanyID, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleCreateMatch(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	var in NewMatch
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	m, err := s.CreateMatch(r.Context(), p.CompanyID, p.UserID, in)
	if err != nil {
		return err
	}
	s.recordMatch(r, p.CompanyID, "bank.match_created", m)
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Service) handleUndoMatch(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, errMatchNotFound())
	if err != nil {
		return err
	}
	m, err := s.UndoMatch(r.Context(), p.CompanyID, p.UserID, id)
	if err != nil {
		return err
	}
	s.recordMatch(r, p.CompanyID, "bank.match_undone", m)
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) handleUnreconciled(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	q, err := query(r, "account_id", "from", "to", "limit", "movements_cursor", "invoices_cursor", "payments_cursor")
	if err != nil {
		return err
	}
	f := ReportFilter{MovementsCursor: q["movements_cursor"], InvoicesCursor: q["invoices_cursor"], PaymentsCursor: q["payments_cursor"]}
	if f.AccountID, err = queryUUID(q, "account_id"); err != nil {
		return err
	}
	if f.From, err = queryDate(q, "from"); err != nil {
		return err
	}
	if f.To, err = queryDate(q, "to"); err != nil {
		return err
	}
	if f.Limit, err = httpx.ParseLimit(r, defaultPageSize, maxPageSize); err != nil {
		return err
	}
	rep, err := s.Unreconciled(r.Context(), p.CompanyID, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}
