package sdktest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// host is the in-process stand-in for the host's callback service. The
// copies of a harness share it.
type host struct {
	t        testing.TB
	log      hclog.Logger
	vertical string
	// pool and data are nil without a database.
	pool *pgxpool.Pool
	data *hostcall.Data

	mu        sync.Mutex
	calls     map[string]*call
	companies map[string]bool
	events    []sdk.Event
	cache     memoryCache
	locks     memoryLocks
	// secrets holds the values SetSecret stored, by company and name;
	// audit the entries of committed requests.
	secrets map[secretKey][]byte
	audit   []AuditEntry
	// breakers is the vertical's last report of its outbound breakers.
	breakers []*nexusv1.Breaker
	// fiscal is the stand-in for the host's fiscal documents service.
	fiscal fiscalState
	// payments are the payments created, in order; refundKeys the
	// refunds done (payment id|key); paymentsDown fails payment calls.
	payments     []*payment
	refundKeys   map[string]decimal.Decimal
	paymentsDown bool
}

func newHost(t testing.TB, log hclog.Logger) *host {
	return &host{t: t, log: log, calls: map[string]*call{}, companies: map[string]bool{},
		cache: memoryCache{entries: map[string]cacheEntry{}}, locks: memoryLocks{held: map[string]heldLock{}},
		secrets: map[secretKey][]byte{}, fiscal: newFiscalState(),
		refundKeys: map[string]decimal.Decimal{}}
}

// call is one request in flight.
type call struct {
	requestID string
	principal sdk.Principal
	// unit is the request's unit of work; nil without a database.
	unit *dal.Unit
	// events and invalidate are the request's effects, applied when its
	// unit of work commits.
	events     []sdk.Event
	invalidate *nexusv1.CacheInvalidateRequest
	audit      []AuditEntry
	// seed marks a Seed call, the only kind that may CopyRows.
	seed bool
}

// begin registers a request of p and returns its call id. With a database
// its unit of work begins lazily, as p's company, on the first DB call.
func (h *host) begin(requestID string, p sdk.Principal) (string, *call) {
	cl := &call{requestID: requestID, principal: p}
	if h.pool != nil {
		if company, err := uuid.Parse(p.CompanyID); err == nil {
			cl.unit = dal.NewTenantUnit(h.pool, company, h.data.Schema)
		}
	}
	id := uuid.NewString()
	h.mu.Lock()
	h.calls[id] = cl
	h.mu.Unlock()
	return id, cl
}

// end unregisters the call and ends its unit of work, committed when
// commit is set and nothing failed; the call's effects take place once it
// committed.
func (h *host) end(ctx context.Context, id string, cl *call, commit bool) error {
	h.mu.Lock()
	delete(h.calls, id)
	h.mu.Unlock()
	if cl.unit != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
		if err := cl.unit.Finish(ctx, commit); err != nil {
			return err
		}
	}
	if !commit {
		return nil
	}
	h.mu.Lock()
	h.events = append(h.events, cl.events...)
	h.audit = append(h.audit, cl.audit...)
	h.mu.Unlock()
	h.cache.invalidate(cl.principal.CompanyID, cl.invalidate)
	return nil
}

// effects takes the events and cache invalidations a handler returned with
// its response into the call, checked as the host checks them.
func (h *host) effects(cl *call, res *nexusv1.RouteResponse) error {
	if _, err := h.publish(cl, res.GetEvents()); err != nil {
		return err
	}
	cl.addInvalidation(res.GetInvalidate())
	return nil
}

// publish records evs in cl, to take place if it commits, and returns
// their ids.
func (h *host) publish(cl *call, evs []*nexusv1.OutEvent) ([]string, error) {
	if err := hostcall.CheckEvents(h.vertical, evs); err != nil {
		return nil, err
	}
	ids := make([]string, len(evs))
	for i, ev := range evs {
		id := ev.GetId()
		if id == "" {
			id = uuid.NewString()
		}
		ids[i] = id
		cl.events = append(cl.events, sdk.Event{
			ID: id, Topic: ev.GetTopic(), CompanyID: cl.principal.CompanyID, Payload: json.RawMessage(ev.GetPayload()),
			OccurredAt: time.Now().UTC(), RequestID: cl.requestID, SchemaVersion: int(ev.GetSchemaVersion()),
		})
	}
	return ids, nil
}

func (h *host) committedEvents() []sdk.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sdk.Event(nil), h.events...)
}

// call finds the call a callback belongs to.
func (h *host) call(ctx context.Context) (*call, error) {
	md, _ := metadata.FromOutgoingContext(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range md.Get(wire.CallIDMetadata) {
		if c, ok := h.calls[id]; ok {
			return c, nil
		}
	}
	return nil, rpcError(kind.Forbidden, "unknown_call", "sdktest: unknown or finished call")
}

// Log implements nexusv1.HostClient.
func (h *host) Log(_ context.Context, in *nexusv1.LogRequest, _ ...grpc.CallOption) (*nexusv1.LogResponse, error) {
	h.t.Logf("[%s] %s %v", in.GetLevel(), in.GetMessage(), in.GetFields())
	return &nexusv1.LogResponse{}, nil
}

// Echo implements nexusv1.HostClient.
func (h *host) Echo(ctx context.Context, in *nexusv1.EchoRequest, _ ...grpc.CallOption) (*nexusv1.EchoResponse, error) {
	c, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	if k := in.GetFailKind(); k != "" {
		return nil, hostcall.EchoFailure(kind.Kind(k))
	}
	return &nexusv1.EchoResponse{
		Message:   in.GetMessage(),
		RequestId: c.requestID,
		CompanyId: c.principal.CompanyID,
		UserId:    c.principal.UserID,
		Vertical:  h.vertical,
	}, nil
}

// DB implements nexusv1.HostClient: it runs the operations in the call's
// unit of work with the host's DAL.
func (h *host) DB(ctx context.Context, in *nexusv1.DBRequest, _ ...grpc.CallOption) (*nexusv1.DBResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	if h.pool == nil {
		return nil, rpcError(kind.Unavailable, "database_unavailable",
			"sdktest: this harness has no database; create it with sdktest.New(t, v, sdktest.WithDatabase())")
	}
	if cl.unit == nil {
		return nil, rpcError(kind.Invalid, "invalid_company",
			fmt.Sprintf("sdktest: the principal's company id %q is not a UUID", cl.principal.CompanyID))
	}
	actor := dal.Actor{CompanyID: uuid.MustParse(cl.principal.CompanyID), Role: string(cl.principal.Role), Vertical: h.vertical}
	if cl.principal.UserID != "" {
		if actor.UserID, err = uuid.Parse(cl.principal.UserID); err != nil {
			return nil, rpcError(kind.Invalid, "invalid_user",
				fmt.Sprintf("sdktest: the principal's user id %q is not a UUID", cl.principal.UserID))
		}
	}
	return h.data.DB(ctx, cl.unit, actor, in, h.log, cl.requestID)
}

// Publish implements nexusv1.HostClient: the events take place if the
// call's unit of work commits.
func (h *host) Publish(ctx context.Context, in *nexusv1.PublishRequest, _ ...grpc.CallOption) (*nexusv1.PublishResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := h.publish(cl, in.GetEvents())
	if err != nil {
		return nil, err
	}
	return &nexusv1.PublishResponse{Ids: ids}, nil
}

// CacheGet implements nexusv1.HostClient.
func (h *host) CacheGet(ctx context.Context, in *nexusv1.CacheGetRequest, _ ...grpc.CallOption) (*nexusv1.CacheGetResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	return h.cache.get(cl.principal.CompanyID, in), nil
}

// CacheSet implements nexusv1.HostClient.
func (h *host) CacheSet(ctx context.Context, in *nexusv1.CacheSetRequest, _ ...grpc.CallOption) (*nexusv1.CacheSetResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.cache.set(cl.principal.CompanyID, in)
	return &nexusv1.CacheSetResponse{}, nil
}

// CacheInvalidate implements nexusv1.HostClient: the keys and tags are
// dropped once the call's unit of work commits.
func (h *host) CacheInvalidate(ctx context.Context, in *nexusv1.CacheInvalidateRequest, _ ...grpc.CallOption) (*nexusv1.CacheInvalidateResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	cl.addInvalidation(in)
	return &nexusv1.CacheInvalidateResponse{}, nil
}

// Lock implements nexusv1.HostClient.
func (h *host) Lock(ctx context.Context, in *nexusv1.LockRequest, _ ...grpc.CallOption) (*nexusv1.LockResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	token, err := h.locks.acquire(ctx, cl.principal.CompanyID, in)
	if err != nil {
		return nil, err
	}
	return &nexusv1.LockResponse{Token: token}, nil
}

// Unlock implements nexusv1.HostClient.
func (h *host) Unlock(ctx context.Context, in *nexusv1.UnlockRequest, _ ...grpc.CallOption) (*nexusv1.UnlockResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.locks.release(cl.principal.CompanyID, in.GetName(), in.GetToken()); err != nil {
		return nil, err
	}
	return &nexusv1.UnlockResponse{}, nil
}

// ExtendLock implements nexusv1.HostClient.
func (h *host) ExtendLock(ctx context.Context, in *nexusv1.ExtendLockRequest, _ ...grpc.CallOption) (*nexusv1.ExtendLockResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	ttl := time.Duration(in.GetTtlMs()) * time.Millisecond
	if err := h.locks.extend(cl.principal.CompanyID, in.GetName(), in.GetToken(), ttl); err != nil {
		return nil, err
	}
	return &nexusv1.ExtendLockResponse{}, nil
}

// rpcError is an error status carrying reason as the envelope code, as the
// host's callbacks answer.
func rpcError(k kind.Kind, reason, msg string) error {
	return wire.Status(wire.Error{Kind: k, Code: reason, Message: msg})
}

// ReportBreakers implements nexusv1.HostClient: it keeps the last report.
func (h *host) ReportBreakers(_ context.Context, in *nexusv1.ReportBreakersRequest, _ ...grpc.CallOption) (*nexusv1.ReportBreakersResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.breakers = in.GetBreakers()
	return &nexusv1.ReportBreakersResponse{}, nil
}
