package invoices

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// maxReasonLength bounds a cancellation reason.
const maxReasonLength = 500

// Routes registers the invoice routes on r. Mount it behind authentication
// (it reads auth.FromContext) at /api/v1/invoices:
//
//	r.With(authSvc.Authenticate).Route("/api/v1/invoices", invoiceSvc.Routes)
//
// The upload routes read bodies up to Limits().MaxBodyBytes, so the
// router's general body limit must not be lower on this mount.
//
// Routes, relative to the mount point, and the least role they need:
//
//	POST /               manager  upload CFDI 4.0 XML (see below)
//	GET  /               viewer   list: from, to, tipo, direction, rfc, status, uuid, limit, cursor
//	GET  /{id}           viewer   the invoice with lines, taxes, relations, payments, history
//	GET  /{id}/xml       viewer   the XML exactly as uploaded (application/xml)
//	POST /{id}/cancel    admin    {"reason": "..."} (body optional): valid → cancelled
//
// Upload: a raw body (Content-Type application/xml or text/xml) holds one
// CFDI and answers with the invoice: 201 when stored, 200 when the identical
// file was already stored; otherwise the error envelope: 409 duplicate_uuid
// (same UUID, different content), 422 naming the field (details.field), 413
// file_too_large. A multipart/form-data body holds up to Limits().MaxFiles
// files in the field "files" and answers {"results": [...], "summary":
// {...}} with, per file in order, its name, status (201, 200, 409, 413, 422),
// outcome (created, duplicate, conflict, too_large, rejected) and the
// invoice or the error body. The response status is 200 when every file was
// stored or already there, 207 when some were and some were not; when none
// was, the error envelope no_file_accepted carries the results in
// details.results, with the files' common status or else 422. Each file is
// stored or rejected on its own; a body over Limits().MaxBodyBytes is 413
// body_too_large and stores nothing.
//
// Dates in the list filters are YYYY-MM-DD in the company's time zone
// (from inclusive, to inclusive) or RFC 3339 instants (from inclusive, to
// exclusive). Unknown query parameters are 400 invalid_query.
func (s *Service) Routes(r chi.Router) {
	r.With(auth.RequireRole(auth.RoleManager)).Post("/", httpx.Handle(s.handleUpload))
	r.With(auth.RequireRole(auth.RoleViewer)).Get("/", httpx.Handle(s.handleList))
	r.With(auth.RequireRole(auth.RoleViewer)).Get("/{id}", httpx.Handle(s.handleGet))
	r.With(auth.RequireRole(auth.RoleViewer)).Get("/{id}/xml", httpx.Handle(s.handleXML))
	r.With(auth.RequireRole(auth.RoleAdmin)).Post("/{id}/cancel", httpx.Handle(s.handleCancel))
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

// invoiceID reads the {id} path parameter; an id that is not a UUID names
// no invoice.
func invoiceID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, errInvoiceNotFound()
	}
	return id, nil
}

func (s *Service) handleUpload(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return errUnsupportedMediaType(r.Header.Get("Content-Type"))
	}
	switch mediaType {
	case "application/xml", "text/xml":
		return s.uploadRaw(w, r, p)
	case "multipart/form-data":
		return s.uploadMultipart(w, r, p, params["boundary"])
	default:
		return errUnsupportedMediaType(mediaType)
	}
}

// uploadRaw stores the one CFDI of a raw XML body.
func (s *Service) uploadRaw(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	limit := s.limits.MaxFileBytes
	if r.ContentLength > limit {
		return errFileTooLarge(limit)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return httpx.ReadError(err)
	}
	if int64(len(data)) > limit {
		return errFileTooLarge(limit)
	}
	res, err := s.Ingest(r.Context(), p.CompanyID, p.UserID, data)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Status == IngestDuplicate {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, res.Invoice)
	return nil
}

// upload is one file of a multipart request.
type upload struct {
	name     string
	data     []byte
	tooLarge bool
}

// FileResult is the outcome of one file of a multipart upload.
type FileResult struct {
	File    string         `json:"file"`
	Status  int            `json:"status"`
	Outcome string         `json:"outcome"`
	Invoice *InvoiceDetail `json:"invoice,omitempty"`
	Error   *envelope.Body `json:"error,omitempty"`
	// kind is the kind of Error, whose status is Status.
	kind kind.Kind
}

// UploadSummary counts the outcomes of a multipart upload.
type UploadSummary struct {
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"`
	Failed     int `json:"failed"`
}

// uploadMultipart reads every file first (so an oversized body stores
// nothing), then stores each on its own.
func (s *Service) uploadMultipart(w http.ResponseWriter, r *http.Request, p auth.Principal, boundary string) error {
	if boundary == "" {
		return httpx.BadRequest("invalid_multipart", "multipart/form-data needs a boundary parameter")
	}
	if r.ContentLength > s.limits.MaxBodyBytes {
		return httpx.BodyTooLarge(s.limits.MaxBodyBytes)
	}
	body := http.MaxBytesReader(w, r.Body, s.limits.MaxBodyBytes)
	files, err := s.readFiles(multipart.NewReader(body, boundary))
	if err != nil {
		return err
	}
	results := make([]FileResult, 0, len(files))
	var sum UploadSummary
	for _, f := range files {
		res, err := s.uploadOne(r, p, f)
		if err != nil {
			return fmt.Errorf("upload %s: %w", f.name, err)
		}
		switch res.Outcome {
		case "created":
			sum.Created++
		case "duplicate":
			sum.Duplicates++
		default:
			sum.Failed++
		}
		results = append(results, res)
	}
	switch {
	case sum.Failed == 0:
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"results": results, "summary": sum})
	case sum.Failed < len(results):
		httpx.WriteJSON(w, http.StatusMultiStatus, map[string]any{"results": results, "summary": sum})
	default:
		k := results[0].kind
		for _, res := range results {
			if res.kind != k {
				k = kind.Unprocessable
			}
		}
		return httpx.NewError(k, "no_file_accepted", "none of the files was accepted; see details.results").
			WithDetails(map[string]any{"results": results, "summary": sum})
	}
	return nil
}

// readFiles reads the "files" parts of a multipart body.
func (s *Service) readFiles(mr *multipart.Reader) ([]upload, error) {
	var files []upload
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, httpx.BodyTooLarge(mbe.Limit)
			}
			return nil, httpx.BadRequest("invalid_multipart", "the multipart body is malformed: "+err.Error())
		}
		if part.FormName() != "files" {
			_ = part.Close()
			return nil, httpx.BadRequest("unknown_field", fmt.Sprintf("unknown form field %q; send the CFDI files in \"files\"", part.FormName())).
				WithDetails(map[string]any{"field": part.FormName()})
		}
		if len(files) == s.limits.MaxFiles {
			return nil, httpx.BadRequest("too_many_files", fmt.Sprintf("at most %d files per request", s.limits.MaxFiles)).
				WithDetails(map[string]any{"max_files": s.limits.MaxFiles})
		}
		f := upload{name: part.FileName()}
		if f.name == "" {
			f.name = fmt.Sprintf("file %d", len(files)+1)
		}
		f.data, err = io.ReadAll(io.LimitReader(part, s.limits.MaxFileBytes+1))
		if err == nil && int64(len(f.data)) > s.limits.MaxFileBytes {
			f.data, f.tooLarge = nil, true
			_, err = io.Copy(io.Discard, part)
		}
		if err != nil {
			return nil, httpx.ReadError(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, httpx.BadRequest("no_files", "the multipart body has no file in the field \"files\"")
	}
	return files, nil
}

// uploadOne stores one file of a multipart upload and reports the outcome.
// Only a failure that is not the file's fault (a 5xx) is returned as an
// error; it aborts the request.
func (s *Service) uploadOne(r *http.Request, p auth.Principal, f upload) (FileResult, error) {
	res := FileResult{File: f.name}
	var err error
	if f.tooLarge {
		err = errFileTooLarge(s.limits.MaxFileBytes)
	} else {
		var ing IngestResult
		ing, err = s.Ingest(r.Context(), p.CompanyID, p.UserID, f.data)
		if err == nil {
			res.Invoice = &ing.Invoice
			res.Status, res.Outcome = http.StatusCreated, "created"
			if ing.Status == IngestDuplicate {
				res.Status, res.Outcome = http.StatusOK, "duplicate"
			}
			return res, nil
		}
	}
	e := httpx.AsError(err)
	if e.Status() >= http.StatusInternalServerError {
		return FileResult{}, err
	}
	res.Status, res.kind = e.Status(), e.Kind
	res.Error = &envelope.Body{Code: e.Code, Message: e.Message, Details: e.Details}
	switch e.Kind {
	case kind.Conflict:
		res.Outcome = "conflict"
	case kind.TooLarge:
		res.Outcome = "too_large"
	default:
		res.Outcome = "rejected"
	}
	return res, nil
}

// listParams are the query parameters GET / understands.
var listParams = []string{"from", "to", "tipo", "direction", "rfc", "status", "uuid", "limit", "cursor"}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if err := httpx.KnownQuery(r, listParams); err != nil {
		return err
	}
	q := r.URL.Query()
	f := ListFilter{Cursor: q.Get("cursor"), Direction: q.Get("direction"), Status: q.Get("status")}
	if f.Limit, err = httpx.ParseLimit(r, defaultPageSize, maxPageSize); err != nil {
		return err
	}
	if f.Direction != "" && f.Direction != DirectionIssued && f.Direction != DirectionReceived {
		return httpx.InvalidQuery("direction", "direction must be issued or received")
	}
	if f.Status != "" && f.Status != StatusValid && f.Status != StatusCancelled {
		return httpx.InvalidQuery("status", "status must be valid or cancelled")
	}
	if t := q.Get("tipo"); t != "" {
		for _, tipo := range strings.Split(t, ",") {
			tipo = strings.ToUpper(strings.TrimSpace(tipo))
			if !slices.Contains([]string{TipoIngreso, TipoEgreso, TipoPago, TipoTraslado, TipoNomina}, tipo) {
				return httpx.InvalidQuery("tipo", "tipo must be a comma-separated list of I, E, P, T, N")
			}
			f.Tipos = append(f.Tipos, tipo)
		}
	}
	if v := q.Get("rfc"); v != "" {
		res, err := taxid.ValidateRFC(v)
		if err != nil {
			return httpx.InvalidQuery("rfc", "rfc is not a well-formed RFC")
		}
		f.RFC = res.Normalized
	}
	if v := q.Get("uuid"); v != "" {
		if !isUUID(v) {
			return httpx.InvalidQuery("uuid", "uuid must be a UUID")
		}
		f.UUID = strings.ToLower(v)
	}
	if q.Get("from") != "" || q.Get("to") != "" {
		loc, err := s.location(r.Context(), p.CompanyID)
		if err != nil {
			return err
		}
		if f.From, err = parseBound(q.Get("from"), "from", loc, false); err != nil {
			return err
		}
		if f.To, err = parseBound(q.Get("to"), "to", loc, true); err != nil {
			return err
		}
		if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
			return httpx.InvalidQuery("to", "to must be after from")
		}
	}
	list, next, err := s.List(r.Context(), p.CompanyID, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

// parseBound reads a from/to filter: a date in loc (an inclusive "to" date
// becomes the start of the next day) or an RFC 3339 instant.
func parseBound(v, name string, loc *time.Location, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, httpx.InvalidQuery(name, name+" must be a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	return t, nil
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	d, err := s.Get(r.Context(), p.CompanyID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *Service) handleXML(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	invoiceUUID, raw, err := s.RawXML(r.Context(), p.CompanyID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xml"`, invoiceUUID))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
	return nil
}

// cancelRequest is the optional body of POST /{id}/cancel.
type cancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	id, err := invoiceID(r)
	if err != nil {
		return err
	}
	var req cancelRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return httpx.ReadError(err)
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := httpx.DecodeBytes(body, &req); err != nil {
			return err
		}
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if len([]rune(req.Reason)) > maxReasonLength {
		return httpx.Unprocessable("invalid_reason", fmt.Sprintf("reason may have at most %d characters", maxReasonLength)).
			WithDetails(map[string]any{"field": "reason"})
	}
	d, err := s.Cancel(r.Context(), p.CompanyID, p.UserID, id, req.Reason)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, d)
	return nil
}
