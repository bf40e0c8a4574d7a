// Package hostsvc is the Host gRPC service that plugins call back while
// they handle a request or an event: DB (through internal/hostcall and the
// DAL), Publish (the outbox), Cache, Lock, Log and Echo, each answered in
// the scope and the unit of work of the call that the plugin names, and
// GetSecret (the vertical's secrets for the call's company), AppendAudit
// (the company's audit log, in the call's unit of work) and the payment
// calls (CreatePayment, GetPayment, RefundPayment: the vertical's payments
// of the call's company, through host/internal/payments), and
// the effects a plugin returns with its response, applied as those
// callbacks would apply them. It owns the registry of in-flight calls and
// their units of work.
//
// It must not launch, supervise or route to plugins (host/internal/plugins
// does, and serves one Service per running vertical), know any vertical,
// or let a plugin reach a call of another vertical.
package hostsvc

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Publisher validates events and queues their outbox insert in b, a batch
// the caller sends in its unit of work, and returns their ids.
type Publisher func(ctx context.Context, b *pgx.Batch, companyID uuid.UUID, requestID string, events []*nexusv1.OutEvent) ([]string, error)

// OutboxPublisher publishes plugin events through the host's outbox.
func OutboxPublisher(svc *events.Service) Publisher {
	return func(ctx context.Context, b *pgx.Batch, companyID uuid.UUID, requestID string, out []*nexusv1.OutEvent) ([]string, error) {
		evs := make([]events.Event, len(out))
		ids := make([]string, len(out))
		for i, ev := range out {
			id := uuid.New()
			if ev.GetId() != "" {
				var err error
				if id, err = uuid.Parse(ev.GetId()); err != nil {
					return nil, fmt.Errorf("publish: event id: %w", err)
				}
			}
			evs[i] = events.Event{
				ID: id, CompanyID: companyID, Topic: ev.GetTopic(), RequestID: requestID,
				SchemaVersion: int(ev.GetSchemaVersion()), Payload: json.RawMessage(ev.GetPayload()),
			}
			ids[i] = id.String()
		}
		if err := events.Queue(ctx, b, evs...); err != nil {
			return nil, err
		}
		return ids, nil
	}
}

// Config configures the Host service of one vertical.
type Config struct {
	// Vertical is the vertical served; its plugin may name only its own
	// calls.
	Vertical string
	// Calls is the registry the plugin runtime begins calls in.
	Calls  *Calls
	Logger hclog.Logger
	// Publish records events in a unit of work's transaction (the outbox).
	// Without it the Publish callback is refused.
	Publish Publisher
	// Cache and Locks back the cache and lock callbacks, scoped to the
	// vertical and the call's company; without them those callbacks are
	// refused.
	Cache cache.Backend
	Locks locks.Backend
	// Wake, when set, tells the outbox relay that events were committed.
	Wake func()
	// Secrets backs the GetSecret callback; without it the callback is
	// refused.
	Secrets SecretReader
	// Fiscal backs the fiscal document callbacks; without it they are
	// refused.
	Fiscal Fiscal
	// Payments backs the payment callbacks; without it they are refused.
	Payments Payments
}

// New returns the Host service of cfg.Vertical.
func New(cfg Config) *Service {
	return &Service{vertical: cfg.Vertical, calls: cfg.Calls, log: cfg.Logger, publish: cfg.Publish,
		cache: cfg.Cache, locks: cfg.Locks, wake: cfg.Wake, secrets: cfg.Secrets, fiscal: cfg.Fiscal,
		payments: cfg.Payments}
}

// Register registers the service on s, the gRPC server the plugin reaches
// through its broker.
func (h *Service) Register(s *grpc.Server) { nexusv1.RegisterHostServer(s, h) }

// Service is the Host gRPC service served to one vertical.
type Service struct {
	nexusv1.UnimplementedHostServer
	vertical string
	calls    *Calls
	log      hclog.Logger
	publish  Publisher
	cache    cache.Backend
	locks    locks.Backend
	// wake tells the outbox relay that events were committed.
	wake func()
	// secrets reads the vertical's secrets (nil: none).
	secrets SecretReader
	// fiscal issues the call's company's fiscal documents (nil: none).
	fiscal Fiscal
	// payments creates and refunds payments (nil: none).
	payments Payments

	breakersMu sync.Mutex
	// breakers are the vertical's outbound breakers as last reported.
	breakers []Breaker
}

// DB implements nexusv1.HostServer: it runs the operations in the call's
// unit of work.
func (h *Service) DB(ctx context.Context, req *nexusv1.DBRequest) (*nexusv1.DBResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if cl.unit == nil {
		return nil, rpcError(kind.Unavailable, "database_unavailable", "the host runs without a database")
	}
	actor := dal.Actor{CompanyID: cl.principal.CompanyID, UserID: cl.principal.UserID, Role: string(cl.principal.Role), Vertical: h.vertical}
	return cl.data.DB(ctx, cl.unit, actor, req, h.log, cl.requestID)
}

// Publish implements nexusv1.HostServer: the events join the call's unit of
// work through the outbox.
func (h *Service) Publish(ctx context.Context, req *nexusv1.PublishRequest) (*nexusv1.PublishResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	ids, err := h.queuePublish(ctx, b, cl, req.GetEvents())
	if err != nil {
		return nil, err
	}
	if err := cl.Send(ctx, b); err != nil {
		return nil, statusOf(err)
	}
	return &nexusv1.PublishResponse{Ids: ids}, nil
}

// queuePublish validates evs and queues their outbox insert in b, to be
// sent in cl's unit of work, and returns their ids; the relay is woken
// once the unit commits.
func (h *Service) queuePublish(ctx context.Context, b *pgx.Batch, cl *Call, evs []*nexusv1.OutEvent) ([]string, error) {
	if cl.unit == nil || h.publish == nil {
		return nil, rpcError(kind.Unavailable, "event_bus_unavailable", "the host runs without an event bus")
	}
	if err := hostcall.CheckEvents(h.vertical, evs); err != nil {
		return nil, err
	}
	ids, err := h.publish(ctx, b, cl.principal.CompanyID, cl.requestID, evs)
	if err != nil {
		return nil, statusOf(err)
	}
	if h.wake != nil {
		cl.unit.AfterCommit(h.wake)
	}
	return ids, nil
}

// Log implements nexusv1.HostServer.
func (h *Service) Log(ctx context.Context, req *nexusv1.LogRequest) (*nexusv1.LogResponse, error) {
	args := make([]any, 0, 2*len(req.GetFields())+4)
	if cl, err := h.calls.lookup(ctx, h.vertical); err == nil {
		args = append(args, "request_id", cl.requestID, "company_id", cl.principal.CompanyID.String())
	}
	args = append(args, tracing.LogFields(ctx)...)
	for k, v := range req.GetFields() {
		args = append(args, k, v)
	}
	level := hclog.LevelFromString(req.GetLevel())
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	h.log.Log(level, req.GetMessage(), args...)
	return &nexusv1.LogResponse{}, nil
}

// Echo implements nexusv1.HostServer.
func (h *Service) Echo(ctx context.Context, req *nexusv1.EchoRequest) (*nexusv1.EchoResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if k := req.GetFailKind(); k != "" {
		return nil, hostcall.EchoFailure(kind.Kind(k))
	}
	return &nexusv1.EchoResponse{
		Message:   req.GetMessage(),
		RequestId: cl.requestID,
		CompanyId: cl.principal.CompanyID.String(),
		UserId:    cl.principal.UserID.String(),
		Vertical:  cl.vertical,
	}, nil
}
