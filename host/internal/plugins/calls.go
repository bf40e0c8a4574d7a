package plugins

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// call is one request or event a plugin is handling. Host callbacks name it
// by id; the host answers them in its scope and its unit of work.
type call struct {
	vertical  string
	requestID string
	principal auth.Principal
	// unit is the call's unit of work; nil without a database.
	unit *dal.Unit
	data *hostcall.Data

	mu    sync.Mutex
	cache cache.Cache
	// inv holds the cache invalidations of the unit until it commits.
	inv *cache.Invalidator
}

// journalInvalidations queues in b the journal rows of the call's cache
// invalidations (cache.Invalidator.Journal), so they commit with the unit.
func (cl *call) journalInvalidations(b *pgx.Batch) {
	cl.mu.Lock()
	inv := cl.inv
	cl.mu.Unlock()
	if inv != nil {
		inv.Journal(b)
	}
}

// calls is the registry of in-flight calls.
type calls struct{ m sync.Map }

// begin registers a call of vertical (served by proc) for principal and
// returns its id. Its unit of work begins lazily, as the principal's
// company, on the first data callback.
func (c *calls) begin(vertical string, proc *process, requestID string, p auth.Principal, pool *pgxpool.Pool) (string, *call) {
	cl := &call{vertical: vertical, requestID: requestID, principal: p, data: proc.data}
	if proc.data != nil && pool != nil {
		cl.unit = dal.NewTenantUnit(pool, p.CompanyID, proc.data.Schema)
	}
	id := uuid.NewString()
	c.m.Store(id, cl)
	return id, cl
}

// end unregisters the call and ends its unit of work: committed when
// commit is true and nothing failed, rolled back otherwise.
func (c *calls) end(ctx context.Context, id string, cl *call, commit bool) error {
	c.m.Delete(id)
	if cl.unit == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if commit {
		b := &pgx.Batch{}
		cl.journalInvalidations(b)
		if err := sendIn(ctx, cl, b); err != nil {
			_ = cl.unit.Finish(ctx, false)
			return err
		}
	}
	return cl.unit.Finish(ctx, commit)
}

// lookup finds the call a callback belongs to; a plugin may only name its
// own calls.
func (c *calls) lookup(ctx context.Context, vertical string) (*call, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ids := md.Get(wire.CallIDMetadata)
	if len(ids) != 1 {
		return nil, status.Error(codes.InvalidArgument, "missing "+wire.CallIDMetadata)
	}
	v, ok := c.m.Load(ids[0])
	if !ok || v.(*call).vertical != vertical {
		return nil, status.Error(codes.PermissionDenied, "unknown or finished call")
	}
	return v.(*call), nil
}

// hostService is the Host gRPC service served to one vertical.
type hostService struct {
	nexusv1.UnimplementedHostServer
	vertical string
	calls    *calls
	log      hclog.Logger
	publish  Publisher
	cache    cache.Backend
	locks    locks.Backend
	// wake tells the outbox relay that events were committed.
	wake func()
}

// DB implements nexusv1.HostServer: it runs the operations in the call's
// unit of work.
func (h *hostService) DB(ctx context.Context, req *nexusv1.DBRequest) (*nexusv1.DBResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if cl.unit == nil {
		return nil, rpcError(codes.Unavailable, "database_unavailable", "the host runs without a database")
	}
	actor := dal.Actor{CompanyID: cl.principal.CompanyID, UserID: cl.principal.UserID, Role: string(cl.principal.Role), Vertical: h.vertical}
	return cl.data.DB(ctx, cl.unit, actor, req, h.log, cl.requestID)
}

// Publish implements nexusv1.HostServer: the events join the call's unit of
// work through the outbox.
func (h *hostService) Publish(ctx context.Context, req *nexusv1.PublishRequest) (*nexusv1.PublishResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	ids, err := h.queuePublish(ctx, b, cl, req.GetEvents())
	if err != nil {
		return nil, err
	}
	if err := sendIn(ctx, cl, b); err != nil {
		return nil, statusOf(err)
	}
	return &nexusv1.PublishResponse{Ids: ids}, nil
}

// queuePublish validates evs and queues their outbox insert in b, to be
// sent in cl's unit of work, and returns their ids; the relay is woken
// once the unit commits.
func (h *hostService) queuePublish(ctx context.Context, b *pgx.Batch, cl *call, evs []*nexusv1.OutEvent) ([]string, error) {
	if cl.unit == nil || h.publish == nil {
		return nil, rpcError(codes.Unavailable, "event_bus_unavailable", "the host runs without an event bus")
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

// sendIn sends b in cl's unit of work.
func sendIn(ctx context.Context, cl *call, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return cl.unit.Run(ctx, func(tx pgx.Tx) error { return dal.SendQualified(ctx, tx, b).Close() })
}

// Log implements nexusv1.HostServer.
func (h *hostService) Log(ctx context.Context, req *nexusv1.LogRequest) (*nexusv1.LogResponse, error) {
	args := make([]any, 0, 2*len(req.GetFields())+4)
	if cl, err := h.calls.lookup(ctx, h.vertical); err == nil {
		args = append(args, "request_id", cl.requestID, "company_id", cl.principal.CompanyID.String())
	}
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
func (h *hostService) Echo(ctx context.Context, req *nexusv1.EchoRequest) (*nexusv1.EchoResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	return &nexusv1.EchoResponse{
		Message:   req.GetMessage(),
		RequestId: cl.requestID,
		CompanyId: cl.principal.CompanyID.String(),
		UserId:    cl.principal.UserID.String(),
		Vertical:  cl.vertical,
	}, nil
}
