package plugins

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// DefaultWebhookBody limits a webhook's body unless its manifest says
// otherwise.
const DefaultWebhookBody = 1 << 20

// WebhookGate decides whether a webhook call may reach a vertical for the
// company its path names (the company exists, is active and enabled the
// vertical; the company's webhook rate limit has room) and returns the
// tenant the call runs for. A refusal must not tell an unknown company
// from one that did not enable the vertical.
type WebhookGate func(r *http.Request, vertical string, companyID uuid.UUID) (Tenant, error)

// webhookNotFound is the answer for every call that must not reach a
// vertical: unknown vertical or company, inactive company, vertical not
// enabled, no such webhook.
func webhookNotFound() *httpx.Error {
	return httpx.NotFound("webhook_not_found", "no such webhook")
}

// WebhookHandler serves /api/v1/hooks/{vertical}/{company_id}/*: it finds
// the vertical, applies gate, matches the manifest's webhook and proxies
// the call, raw body and headers, to the plugin in the company's unit of
// work. No user token is involved.
func (m *Manager) WebhookHandler(gate WebhookGate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := m.get(chi.URLParam(r, "vertical"))
		if !ok {
			httpx.WriteError(w, r, webhookNotFound())
			return
		}
		companyID, err := uuid.Parse(chi.URLParam(r, "company_id"))
		if err != nil {
			httpx.WriteError(w, r, webhookNotFound())
			return
		}
		tenant, err := gate(r, v.name, companyID)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		dispatch(w, r, v, tenant, func(proc *process) http.Handler { return proc.webhooks })
	})
}

// webhookHeaders are never passed to a plugin from a webhook call.
var webhookHeaders = map[string]bool{"Cookie": true, "Proxy-Authorization": true}

// webhookHandler proxies one manifest webhook to the plugin process proc.
func (m *Manager) webhookHandler(v *vertical, proc *process, hook *nexusv1.Webhook) http.Handler {
	limit := hook.GetMaxBodyBytes()
	if limit <= 0 {
		limit = DefaultWebhookBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			httpx.WriteError(w, r, httpx.ReadError(err))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), m.cfg.RequestTimeout)
		defer cancel()
		deadline, _ := ctx.Deadline()
		tenant, _ := r.Context().Value(tenantKey{}).(Tenant)
		requestID := httpx.RequestID(ctx)
		// A webhook acts for the company itself, with an owner's rights and
		// no user, as an event handler does.
		p := auth.Principal{CompanyID: tenant.Company.ID, Role: auth.RoleOwner}
		callID, cl := m.calls.Begin(v.name, proc.data, requestID, p, m.cfg.Pool)
		hdr := make(map[string]*nexusv1.Values, len(r.Header))
		for k, vals := range r.Header {
			if !webhookHeaders[k] {
				hdr[k] = &nexusv1.Values{Values: vals}
			}
		}
		res, err := proc.api.HandleWebhook(ctx, &nexusv1.WebhookRequest{
			CallId:           callID,
			WebhookId:        hook.GetId(),
			Method:           r.Method,
			Path:             "/" + chi.URLParam(r, "*"),
			Params:           params(r),
			Query:            toValues(r.URL.Query()),
			Headers:          hdr,
			Body:             body,
			RequestId:        requestID,
			DeadlineUnixNano: deadline.UnixNano(),
			Company:          companyToProto(tenant.Company),
			Config:           tenant.Config,
			RemoteAddr:       r.RemoteAddr,
		})
		m.answer(ctx, w, r, v, proc, callID, cl, res, err, idemState{})
	})
}

// webhookNotMatched answers inside a vertical's webhook router.
func webhookNotMatched(w http.ResponseWriter, r *http.Request) {
	httpx.WriteError(w, r, webhookNotFound())
}

// VerticalJob is a job a running vertical declares.
type VerticalJob struct {
	Vertical string
	Job      *nexusv1.Job
}

// Jobs lists the jobs of every running vertical, sorted by vertical and
// name.
func (m *Manager) Jobs() []VerticalJob {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []VerticalJob
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		for _, j := range proc.manifest.GetJobs() {
			out = append(out, VerticalJob{Vertical: v.name, Job: j})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Vertical != out[j].Vertical {
			return out[i].Vertical < out[j].Vertical
		}
		return out[i].Job.GetName() < out[j].Job.GetName()
	})
	return out
}

// JobRun is one attempt of a vertical's job.
type JobRun struct {
	ID          string
	Job         string
	Attempt     int
	ScheduledAt time.Time
	// Tenant is the company the attempt runs for; nil for a global job,
	// which gets no unit of work.
	Tenant *Tenant
}

// RunJob runs one attempt of a vertical's job: for a company, in its unit
// of work, committed when the vertical reports success.
func (m *Manager) RunJob(ctx context.Context, vertical string, run JobRun) error {
	v, ok := m.get(vertical)
	if !ok {
		return fmt.Errorf("job %s.%s: no vertical %s", vertical, run.Job, vertical)
	}
	proc, done, ok := v.acquire()
	if !ok {
		return fmt.Errorf("job %s.%s: vertical %s is not running", vertical, run.Job, vertical)
	}
	defer done()
	var (
		p    auth.Principal
		pool = m.cfg.Pool
		req  = &nexusv1.JobRequest{Job: run.Job, Attempt: int32(run.Attempt), RunId: run.ID,
			ScheduledAtUnixNano: run.ScheduledAt.UnixNano()}
	)
	if run.Tenant != nil {
		p = auth.Principal{CompanyID: run.Tenant.Company.ID, Role: auth.RoleOwner}
		req.Company, req.Config = companyToProto(run.Tenant.Company), run.Tenant.Config
	} else {
		pool = nil
	}
	if d, ok := ctx.Deadline(); ok {
		req.DeadlineUnixNano = d.UnixNano()
	}
	callID, cl := m.calls.Begin(v.name, proc.data, run.ID, p, pool)
	req.CallId = callID
	if _, err := proc.api.RunJob(ctx, req); err != nil {
		_ = m.calls.End(ctx, callID, cl, false)
		return fmt.Errorf("job %s.%s: %w", vertical, run.Job, err)
	}
	if err := m.calls.End(ctx, callID, cl, true); err != nil {
		return fmt.Errorf("job %s.%s: commit: %w", vertical, run.Job, err)
	}
	return nil
}

// ListFor describes every discovered vertical as List does, with the
// outbound breakers of company only, or of every company when all.
func (m *Manager) ListFor(company uuid.UUID, all bool) []Info {
	out := m.List()
	for i := range out {
		bs := out[i].Breakers
		out[i].Breakers = nil
		for _, b := range bs {
			if all || b.CompanyID == company.String() {
				out[i].Breakers = append(out[i].Breakers, b)
			}
		}
	}
	return out
}
