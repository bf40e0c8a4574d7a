package sdktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/internal/manifest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
)

// defaultWebhookBody is the host's body limit of a webhook that sets none.
const defaultWebhookBody = 1 << 20

// compileWebhooks matches m's webhooks as the host routes them.
func compileWebhooks(m *nexusv1.Manifest) *manifest.Routes {
	routes := make([]*nexusv1.Route, len(m.GetWebhooks()))
	for i, w := range m.GetWebhooks() {
		routes[i] = &nexusv1.Route{Id: w.GetId(), Method: w.GetMethod(), Pattern: w.GetPattern()}
	}
	return manifest.Compile(&nexusv1.Manifest{Routes: routes})
}

// Webhook sends a call to one of the vertical's public webhooks, as a
// sender would to /api/v1/hooks/<vertical>/<company_id><path>: path is
// the part after the company ("/payments"), body the raw bytes (signed as
// sent), header the sender's headers. It runs as the host runs it: for
// the harness's company (WithCompany) and configuration, with no user,
// the body limited to the webhook's MaxBodyBytes (413 body_too_large),
// in a unit of work of the company committed when the answer is below
// 400. A path no webhook has answers 404 webhook_not_found.
func (h *Harness) Webhook(method, path string, body []byte, header http.Header) *Response {
	h.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(string(body)))
	for k, v := range header {
		r.Header[k] = v
	}
	return h.WebhookRequest(r)
}

// WebhookRequest is Webhook for a request of the test's making, whose
// context is propagated to the handler.
func (h *Harness) WebhookRequest(r *http.Request) *Response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	requestID := uuid.NewString()
	route, params, allowed := h.webhooks.Match(r.Method, r.URL.Path)
	switch {
	case route != nil:
		h.serveWebhook(rec, r, route.GetId(), params, requestID)
	case len(allowed) > 0:
		rec.Header().Set("Allow", strings.Join(allowed, ", "))
		writeEnvelope(rec, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" is not allowed here", requestID)
	default:
		writeEnvelope(rec, http.StatusNotFound, "webhook_not_found", "no such webhook", requestID)
	}
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// serveWebhook runs webhook id for r in a unit of work of its own.
func (h *Harness) serveWebhook(w http.ResponseWriter, r *http.Request, id string, params map[string]string, requestID string) {
	limit := int64(defaultWebhookBody)
	for _, wh := range h.manifest.GetWebhooks() {
		if wh.GetId() == id && wh.GetMaxBodyBytes() > 0 {
			limit = wh.GetMaxBodyBytes()
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeEnvelope(w, http.StatusRequestEntityTooLarge, "body_too_large", "request body is too large", requestID)
		return
	case err != nil:
		writeEnvelope(w, http.StatusBadRequest, "invalid_body", err.Error(), requestID)
		return
	}
	// As the host's: the company acts, with no user.
	callID, cl := h.host.begin(requestID, companyPrincipal(h.company.ID))
	res, err := h.server.HandleWebhook(r.Context(), &nexusv1.WebhookRequest{
		CallId:     callID,
		WebhookId:  id,
		Method:     r.Method,
		Path:       r.URL.Path,
		Params:     params,
		Query:      values(r.URL.Query()),
		Headers:    values(r.Header),
		Body:       body,
		RequestId:  requestID,
		Company:    h.companyProto(),
		Config:     h.config,
		RemoteAddr: r.RemoteAddr,
	})
	if err != nil {
		_ = h.host.end(r.Context(), callID, cl, false)
		h.t.Errorf("sdktest: HandleWebhook %s: %v", id, err)
		writeEnvelope(w, http.StatusInternalServerError, "internal", err.Error(), requestID)
		return
	}
	h.answer(r.Context(), w, callID, cl, res, requestID, nil)
}

// RunJob runs one attempt of the vertical's job name as the host's
// scheduler does, and returns the handler's error. A per-company job runs
// for the harness's company (WithCompany) and configuration in a unit of
// work of that company, committed only when the handler returns nil; a
// global job gets no company and no database. The attempt is bounded by
// the job's Timeout when it sets one.
func (h *Harness) RunJob(ctx context.Context, name string) error {
	h.t.Helper()
	var job *nexusv1.Job
	for _, j := range h.manifest.GetJobs() {
		if j.GetName() == name {
			job = j
		}
	}
	if job == nil {
		return fmt.Errorf("sdktest: the vertical declares no job %q", name)
	}
	if t := job.GetTimeoutMs(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t)*time.Millisecond)
		defer cancel()
	}
	runID := uuid.NewString()
	req := &nexusv1.JobRequest{Job: name, Attempt: 1, RunId: runID, ScheduledAtUnixNano: time.Now().UnixNano()}
	var p sdk.Principal
	if job.GetPerCompany() {
		p = companyPrincipal(h.company.ID)
		req.Company, req.Config = h.companyProto(), h.config
	}
	if d, ok := ctx.Deadline(); ok {
		req.DeadlineUnixNano = d.UnixNano()
	}
	callID, cl := h.host.begin(runID, p)
	req.CallId = callID
	if _, err := h.server.RunJob(ctx, req); err != nil {
		_ = h.host.end(ctx, callID, cl, false)
		return err
	}
	if err := h.host.end(ctx, callID, cl, true); err != nil {
		return fmt.Errorf("sdktest: job %s: commit: %w", name, err)
	}
	return nil
}

// companyPrincipal is the caller of a webhook or a per-company job: the
// company itself, with no user.
func companyPrincipal(companyID string) sdk.Principal {
	return sdk.Principal{CompanyID: companyID, Role: sdk.RoleOwner}
}

// companyProto is the harness's company as the host sends it.
func (h *Harness) companyProto() *nexusv1.Company {
	c := h.company
	return &nexusv1.Company{Id: c.ID, Name: c.Name, Country: c.Country, Currency: c.Currency, Timezone: c.Timezone, TaxId: c.TaxID}
}
