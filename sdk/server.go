package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// server adapts a Vertical to the generated Vertical gRPC service.
type server struct {
	nexusv1.UnimplementedVerticalServer

	vertical Vertical
	manifest Manifest
	routes   map[string]Route
	subs     map[string]Subscription
	webhooks map[string]Webhook
	jobs     map[string]Job
	log      hclog.Logger
	// outbound holds the breakers of c.HTTP's clients; their changes are
	// reported to the host.
	outbound *outbound.Pool
	breakers breakerReporter

	mu     sync.RWMutex
	broker broker
	host   nexusv1.HostClient
}

func newServer(v Vertical, log hclog.Logger) *server {
	m := v.Manifest()
	routes := make(map[string]Route, len(m.Routes))
	for _, r := range m.Routes {
		routes[r.RouteID()] = r
	}
	subs := make(map[string]Subscription, len(m.Subscriptions))
	for _, s := range m.Subscriptions {
		subs[s.Name] = s
	}
	s := &server{vertical: v, manifest: m, routes: routes, subs: subs, log: log,
		webhooks: make(map[string]Webhook, len(m.Webhooks)), jobs: make(map[string]Job, len(m.Jobs))}
	for _, w := range m.Webhooks {
		s.webhooks[w.WebhookID()] = w
	}
	for _, j := range m.Jobs {
		s.jobs[j.Name] = j
	}
	cfg := m.Outbound
	cfg.Logger = log.Named("outbound")
	cfg.OnChange = s.breakers.changed
	s.outbound = outbound.NewPool(cfg)
	s.breakers.report = s.reportBreakers
	return s
}

// SetBroker implements wire.Server.
func (s *server) SetBroker(b *plugin.GRPCBroker) {
	s.mu.Lock()
	s.broker = b
	s.mu.Unlock()
}

func (s *server) hostFor(callID string) *hostClient {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &hostClient{client: s.host, callID: callID, outbound: s.outbound}
}

// Describe implements nexusv1.VerticalServer.
func (s *server) Describe(context.Context, *nexusv1.DescribeRequest) (*nexusv1.Manifest, error) {
	return manifestToProto(s.manifest)
}

// Init implements nexusv1.VerticalServer: it dials the host service.
func (s *server) Init(_ context.Context, req *nexusv1.InitRequest) (*nexusv1.InitResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broker == nil {
		return nil, errors.New("init: no broker")
	}
	host, err := dialHost(s.broker, hostServiceID(req))
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	s.host = host
	return &nexusv1.InitResponse{}, nil
}

// HandleRoute implements nexusv1.VerticalServer.
func (s *server) HandleRoute(ctx context.Context, req *nexusv1.RouteRequest) (*nexusv1.RouteResponse, error) {
	return routeResponseOf(s.handleRoute(ctx, routeCallOf(req))), nil
}

// handleRoute runs the handler of call's route and returns its answer: an
// error envelope when it fails.
func (s *server) handleRoute(ctx context.Context, call routeCall) routeResult {
	route, ok := s.routes[call.routeID]
	if !ok {
		return errorResult(call.requestID, NotFound("route_not_found", "no such route: "+call.routeID))
	}
	setSpanName(ctx, route.RouteID(), "nexus.vertical", s.manifest.Name, "http.route", route.Pattern)
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(call.callID),
		log:       s.log.With(append([]any{"request_id", call.requestID, "route", route.RouteID()}, traceFields(ctx)...)...),
		params:    call.params,
		query:     call.query,
		headers:   http.Header(call.headers),
		body:      call.body,
		principal: call.principal,
		requestID: call.requestID,
		method:    call.method,
		path:      call.path,
		company:   call.company,
		config:    call.config,
		resHeader: http.Header{},
	}
	if call.deferEffects {
		c.effects = &effects{vertical: s.manifest.Name}
	}
	return s.answer(c, route.Handler)
}

// answer runs h for a route or webhook call and returns its answer: an
// error envelope when it fails, a 500 for an answer that cannot be sent.
func (s *server) answer(c *Context, h HandlerFunc) routeResult {
	if err := s.run(c, h); err != nil {
		e, ok := asError(err)
		if !ok {
			c.log.Error("handler failed", "error", err)
			e = NewError(kind.Internal, "internal", "internal error")
		}
		if len(e.Internal) > 0 {
			c.log.Info("request failed", "code", e.Code, "internal", e.Internal, "error", err)
		}
		return errorResult(c.requestID, e)
	}
	if !c.written {
		c.status = http.StatusNoContent
	}
	if c.status < 200 || c.status > 599 {
		// The host commits a call below 400: an answer it cannot send must
		// not commit the call's writes.
		c.log.Error("handler answered an invalid status", "status", c.status)
		return errorResult(c.requestID, NewError(kind.Internal, "internal", "internal error"))
	}
	return routeResult{status: c.status, headers: c.resHeader, body: c.resBody, effects: c.effects}
}

// HandleEvent implements nexusv1.VerticalServer. An error makes the host
// roll the unit of work back and retry the event later.
func (s *server) HandleEvent(ctx context.Context, req *nexusv1.EventRequest) (*nexusv1.EventResponse, error) {
	if err := s.handleEvent(ctx, eventCallOf(req)); err != nil {
		return nil, err
	}
	return &nexusv1.EventResponse{}, nil
}

// handleEvent runs the handler of call's subscription.
func (s *server) handleEvent(ctx context.Context, call eventCall) error {
	sub, ok := s.subs[call.subscription]
	if !ok {
		return fmt.Errorf("no subscription named %q", call.subscription)
	}
	ev := call.event
	setSpanName(ctx, "handle "+ev.Topic, "nexus.vertical", s.manifest.Name, "nexus.subscription", sub.Name, "nexus.event_id", ev.ID)
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(call.callID),
		log:       s.log.With(append([]any{"event_id", ev.ID, "topic", ev.Topic, "subscription", sub.Name}, traceFields(ctx)...)...),
		principal: Principal{CompanyID: ev.CompanyID},
		requestID: ev.RequestID,
		company:   call.company,
		config:    call.config,
		resHeader: http.Header{},
	}
	if err := s.run(c, func(c *Context) error { return sub.Handler(c, ev) }); err != nil {
		return fmt.Errorf("handle %s: %w", ev.Topic, err)
	}
	return nil
}

// run calls h, turning a panic into an error so one bad request cannot take
// the plugin down.
func (s *server) run(c *Context, h HandlerFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(c)
}

// ConfigureCompany implements nexusv1.VerticalServer.
func (s *server) ConfigureCompany(ctx context.Context, req *nexusv1.ConfigureCompanyRequest) (*nexusv1.ConfigureCompanyResponse, error) {
	call := configureCallOf(req)
	problems, err := s.configureCompany(ctx, call)
	if err != nil {
		return nil, err
	}
	return configureResponse(problems), nil
}

// Seed implements nexusv1.VerticalServer: it runs the vertical's Seeder
// (see seed), or answers Unimplemented when the vertical has none.
func (s *server) Seed(ctx context.Context, req *nexusv1.SeedRequest) (*nexusv1.SeedResponse, error) {
	rows, err := s.seed(ctx, seedCallOf(req))
	if err != nil {
		return nil, err
	}
	return seedResponse(rows), nil
}

// configureCompany asks the vertical, when it configures companies, to
// validate and apply call's configuration, and returns the problems it
// refuses the configuration for.
func (s *server) configureCompany(ctx context.Context, call configureCall) ([]string, error) {
	cc, ok := s.vertical.(CompanyConfigurer)
	if !ok {
		return nil, nil
	}
	company := call.company
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(call.callID),
		log:       s.log.With("company_id", company.ID),
		principal: Principal{CompanyID: company.ID, Role: RoleOwner},
		company:   company,
		config:    configOf(call.config),
		resHeader: http.Header{},
	}
	err := s.run(c, func(c *Context) error { return cc.ConfigureCompany(c, company, json.RawMessage(call.config)) })
	var cfgErr *ConfigError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &cfgErr):
		return cfgErr.Problems, nil
	default:
		return nil, fmt.Errorf("configure company: %w", err)
	}
}

// HandleWebhook implements nexusv1.VerticalServer.
func (s *server) HandleWebhook(ctx context.Context, req *nexusv1.WebhookRequest) (*nexusv1.RouteResponse, error) {
	return routeResponseOf(s.handleWebhook(ctx, webhookCallOf(req))), nil
}

// RunJob implements nexusv1.VerticalServer. An error makes the host roll
// the company's unit of work back and retry the job with backoff.
func (s *server) RunJob(ctx context.Context, req *nexusv1.JobRequest) (*nexusv1.JobResponse, error) {
	if err := s.runJob(ctx, jobCallOf(req)); err != nil {
		return nil, err
	}
	return &nexusv1.JobResponse{}, nil
}

// Shutdown implements nexusv1.VerticalServer.
func (s *server) Shutdown(ctx context.Context, _ *nexusv1.ShutdownRequest) (*nexusv1.ShutdownResponse, error) {
	if sd, ok := s.vertical.(Shutdowner); ok {
		if err := sd.Shutdown(ctx); err != nil {
			return nil, fmt.Errorf("shutdown: %w", err)
		}
	}
	return &nexusv1.ShutdownResponse{}, nil
}

// errorResult is the error envelope of e as a route's answer.
func errorResult(requestID string, e *Error) routeResult {
	body, _ := json.Marshal(envelope.Envelope{
		Error:     envelope.Body{Code: e.Code, Message: e.Message, Details: e.Details},
		RequestID: requestID,
	})
	return routeResult{status: e.Status(), headers: map[string][]string{"Content-Type": {"application/json"}}, body: body}
}

var _ wire.Server = (*server)(nil)
