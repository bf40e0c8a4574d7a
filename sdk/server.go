package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// server adapts a Vertical to the generated Vertical gRPC service.
type server struct {
	nexusv1.UnimplementedVerticalServer

	vertical Vertical
	manifest Manifest
	routes   map[string]Route
	subs     map[string]Subscription
	log      hclog.Logger

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
	return &server{vertical: v, manifest: m, routes: routes, subs: subs, log: log}
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
	return &hostClient{client: s.host, callID: callID}
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
	host, err := dialHost(s.broker, req.GetHostServiceId())
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	s.host = host
	return &nexusv1.InitResponse{}, nil
}

// HandleRoute implements nexusv1.VerticalServer.
func (s *server) HandleRoute(ctx context.Context, req *nexusv1.RouteRequest) (*nexusv1.RouteResponse, error) {
	route, ok := s.routes[req.GetRouteId()]
	if !ok {
		return errorResponse(req.GetRequestId(), NotFound("route_not_found", "no such route: "+req.GetRouteId())), nil
	}
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(req.GetCallId()),
		log:       s.log.With("request_id", req.GetRequestId(), "route", route.RouteID()),
		params:    req.GetParams(),
		query:     fromValues(req.GetQuery()),
		headers:   http.Header(fromValues(req.GetHeaders())),
		body:      req.GetBody(),
		principal: principalFromProto(req.GetPrincipal()),
		requestID: req.GetRequestId(),
		method:    req.GetMethod(),
		path:      req.GetPath(),
		company:   companyFromProto(req.GetCompany()),
		config:    configOf(req.GetConfig()),
		resHeader: http.Header{},
	}
	if req.GetDeferEffects() {
		c.effects = &effects{vertical: s.manifest.Name}
	}
	if err := s.run(c, route.Handler); err != nil {
		e, ok := asError(err)
		if !ok {
			c.log.Error("handler failed", "error", err)
			e = NewError(http.StatusInternalServerError, "internal", "internal error")
		}
		if len(e.Internal) > 0 {
			c.log.Info("request failed", "code", e.Code, "internal", e.Internal, "error", err)
		}
		res := errorResponse(req.GetRequestId(), e)
		return res, nil
	}
	if !c.written {
		c.status = http.StatusNoContent
	}
	if c.status < 200 || c.status > 599 {
		// The host commits a call below 400: an answer it cannot send must
		// not commit the call's writes.
		c.log.Error("handler answered an invalid status", "status", c.status)
		return errorResponse(req.GetRequestId(), NewError(http.StatusInternalServerError, "internal", "internal error")), nil
	}
	res := &nexusv1.RouteResponse{Status: int32(c.status), Headers: toValues(c.resHeader), Body: c.resBody}
	if c.effects != nil {
		c.effects.fill(res)
	}
	return res, nil
}

// HandleEvent implements nexusv1.VerticalServer. An error makes the host
// roll the unit of work back and retry the event later.
func (s *server) HandleEvent(ctx context.Context, req *nexusv1.EventRequest) (*nexusv1.EventResponse, error) {
	sub, ok := s.subs[req.GetSubscription()]
	if !ok {
		return nil, fmt.Errorf("no subscription named %q", req.GetSubscription())
	}
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(req.GetCallId()),
		log:       s.log.With("event_id", req.GetId(), "topic", req.GetTopic(), "subscription", sub.Name),
		principal: Principal{CompanyID: req.GetCompanyId()},
		requestID: req.GetRequestId(),
		company:   companyFromProto(req.GetCompany()),
		config:    configOf(req.GetConfig()),
		resHeader: http.Header{},
	}
	ev := Event{
		ID:            req.GetId(),
		Topic:         req.GetTopic(),
		CompanyID:     req.GetCompanyId(),
		Payload:       json.RawMessage(req.GetPayload()),
		OccurredAt:    time.Unix(0, req.GetOccurredAtUnixNano()).UTC(),
		RequestID:     req.GetRequestId(),
		Attempt:       int(req.GetAttempt()),
		SchemaVersion: int(req.GetSchemaVersion()),
	}
	if err := s.run(c, func(c *Context) error { return sub.Handler(c, ev) }); err != nil {
		return nil, fmt.Errorf("handle %s: %w", ev.Topic, err)
	}
	return &nexusv1.EventResponse{}, nil
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
	cc, ok := s.vertical.(CompanyConfigurer)
	if !ok {
		return &nexusv1.ConfigureCompanyResponse{}, nil
	}
	company := companyFromProto(req.GetCompany())
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(req.GetCallId()),
		log:       s.log.With("company_id", company.ID),
		principal: Principal{CompanyID: company.ID, Role: RoleOwner},
		company:   company,
		config:    configOf(req.GetConfig()),
		resHeader: http.Header{},
	}
	err := s.run(c, func(c *Context) error { return cc.ConfigureCompany(c, company, json.RawMessage(req.GetConfig())) })
	var cfgErr *ConfigError
	switch {
	case err == nil:
		return &nexusv1.ConfigureCompanyResponse{}, nil
	case errors.As(err, &cfgErr):
		return &nexusv1.ConfigureCompanyResponse{Errors: cfgErr.Problems}, nil
	default:
		return nil, fmt.Errorf("configure company: %w", err)
	}
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

func errorResponse(requestID string, e *Error) *nexusv1.RouteResponse {
	body, _ := json.Marshal(envelope.Envelope{
		Error:     envelope.Body{Code: e.Code, Message: e.Message, Details: e.Details},
		RequestID: requestID,
	})
	return &nexusv1.RouteResponse{
		Status:  int32(e.Status),
		Headers: map[string]*nexusv1.Values{"Content-Type": {Values: []string{"application/json"}}},
		Body:    body,
	}
}

var _ wire.Server = (*server)(nil)
