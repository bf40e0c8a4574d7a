package sdk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nexuspos/nexus/sdk/outbound"
)

// handleWebhook runs the handler of call's webhook and returns its answer,
// with its effects deferred to the host.
func (s *server) handleWebhook(ctx context.Context, call webhookCall) routeResult {
	w, ok := s.webhooks[call.webhookID]
	if !ok {
		return errorResult(call.requestID, NotFound("route_not_found", "no such webhook: "+call.webhookID))
	}
	setSpanName(ctx, "webhook "+w.WebhookID(), "nexus.vertical", s.manifest.Name, "nexus.webhook", w.WebhookID())
	c := &Context{
		ctx:  ctx,
		host: s.hostFor(call.callID),
		log: s.log.With(append([]any{"request_id", call.requestID, "webhook", w.WebhookID(), "company_id", call.company.ID},
			traceFields(ctx)...)...),
		// A webhook acts for the company itself, with no user.
		principal: Principal{CompanyID: call.company.ID, Role: RoleOwner},
		params:    call.params,
		query:     call.query,
		headers:   http.Header(call.headers),
		body:      call.body,
		requestID: call.requestID,
		method:    call.method,
		path:      call.path,
		company:   call.company,
		config:    call.config,
		resHeader: http.Header{},
		effects:   &effects{vertical: s.manifest.Name},
	}
	return s.answer(c, w.Handler)
}

// runJob runs one attempt of call's job.
func (s *server) runJob(ctx context.Context, call jobCall) error {
	j, ok := s.jobs[call.job]
	if !ok {
		return fmt.Errorf("no job named %q", call.job)
	}
	setSpanName(ctx, "job "+j.Name, "nexus.vertical", s.manifest.Name, "nexus.job", j.Name,
		"nexus.job.run_id", call.run.ID, "nexus.job.attempt", strconv.Itoa(call.run.Attempt))
	c := &Context{
		ctx:  ctx,
		host: s.hostFor(call.callID),
		log: s.log.With(append([]any{"job", j.Name, "run_id", call.run.ID, "company_id", call.company.ID},
			traceFields(ctx)...)...),
		principal: Principal{CompanyID: call.company.ID, Role: RoleOwner},
		requestID: call.run.ID,
		company:   call.company,
		config:    call.config,
		resHeader: http.Header{},
	}
	if err := s.run(c, func(c *Context) error { return j.Handler(c, call.run) }); err != nil {
		return fmt.Errorf("job %s: %w", j.Name, err)
	}
	return nil
}

// HTTP returns the client for calling service (a name of the vertical's
// choosing, such as "afip" or "mercadopago") on behalf of the call's
// company: per-attempt timeout, retries with backoff for idempotent
// requests, Retry-After and rate limits honoured, and a circuit breaker
// of its own for this company and service, whose state the host lists
// with the vertical (GET /api/v1/verticals). Nothing it logs carries a
// header, a query string or a body.
func (c *Context) HTTP(service string) *outbound.Client {
	if c.host.outbound == nil {
		c.host.outbound = outbound.NewPool(outbound.Config{Logger: c.log})
	}
	return c.host.outbound.Client(c.company.ID, service).WithLogger(c.log)
}

// breakerReporter sends the outbound breakers' states to the host, one
// report at a time, the latest state each time.
type breakerReporter struct {
	once    sync.Once
	pending chan struct{}
	report  func()
}

// changed is the pool's OnChange: it must not block.
func (b *breakerReporter) changed() {
	b.once.Do(func() {
		b.pending = make(chan struct{}, 1)
		go func() {
			for range b.pending {
				b.report()
			}
		}()
	})
	select {
	case b.pending <- struct{}{}:
	default: // a report is pending; it will read the latest state
	}
}

// reportBreakers sends the current states of the breakers to the host.
func (s *server) reportBreakers() {
	s.mu.RLock()
	host := s.host
	s.mu.RUnlock()
	if host == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := reportBreakers(ctx, host, s.outbound.Breakers()); err != nil {
		s.log.Warn("could not report outbound breakers to the host", "error", err)
	}
}
