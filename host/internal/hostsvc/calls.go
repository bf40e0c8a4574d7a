package hostsvc

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/metadata"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Call is one request or event a plugin is handling. Host callbacks name it
// by id; the host answers them in its scope and its unit of work.
type Call struct {
	vertical  string
	requestID string
	principal auth.Principal
	// origin is where the call's HTTP request came from (zero for events),
	// for the audit log.
	origin audit.Origin
	// unit is the call's unit of work; nil without a database.
	unit *dal.Unit
	data *hostcall.Data
	// seed marks a Seed call, the only kind that may CopyRows.
	seed bool

	mu    sync.Mutex
	cache cache.Cache
	// inv holds the cache invalidations of the unit until it commits.
	inv *cache.Invalidator
}

// SetOrigin records where the call's HTTP request came from, for the
// entries the plugin appends to the audit log.
func (cl *Call) SetOrigin(o audit.Origin) { cl.origin = o }

// Vertical is the vertical the call belongs to.
func (cl *Call) Vertical() string { return cl.vertical }

// Principal is who the call acts for.
func (cl *Call) Principal() auth.Principal { return cl.principal }

// Unit is the call's unit of work; nil when the host runs without a
// database.
func (cl *Call) Unit() *dal.Unit { return cl.unit }

// JournalInvalidations queues in b the journal rows of the call's cache
// invalidations (cache.Invalidator.Journal), so they commit with the unit.
func (cl *Call) JournalInvalidations(b *pgx.Batch) {
	cl.mu.Lock()
	inv := cl.inv
	cl.mu.Unlock()
	if inv != nil {
		inv.Journal(b)
	}
}

// Send sends b in the call's unit of work.
func (cl *Call) Send(ctx context.Context, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return cl.unit.Run(ctx, func(tx pgx.Tx) error { return dal.SendQualified(ctx, tx, b).Close() })
}

// Calls is the registry of in-flight calls, shared by the Host service of
// every vertical. The zero value is ready to use.
type Calls struct{ m sync.Map }

// Begin registers a call of vertical (whose data is data, nil without a
// database) for principal p and returns its id. Its unit of work begins
// lazily, as the principal's company, on the first data callback.
func (c *Calls) Begin(vertical string, data *hostcall.Data, requestID string, p auth.Principal, pool *pgxpool.Pool) (string, *Call) {
	cl := &Call{vertical: vertical, requestID: requestID, principal: p, data: data}
	if data != nil && pool != nil {
		cl.unit = dal.NewTenantUnit(pool, p.CompanyID, data.Schema)
	}
	return c.store(cl), cl
}

// BeginSeed registers a Seed call of vertical for principal p, whose
// unit of work is a bulk one (dal.NewBulkTenantUnit) in which the
// vertical may also CopyRows. data and pool are required.
func (c *Calls) BeginSeed(vertical string, data *hostcall.Data, p auth.Principal, pool *pgxpool.Pool) (string, *Call) {
	cl := &Call{vertical: vertical, principal: p, data: data, seed: true,
		unit: dal.NewBulkTenantUnit(pool, p.CompanyID, data.Schema)}
	return c.store(cl), cl
}

// BeginIn registers a call that runs in unit u, a unit of work its caller
// owns (an event delivery's): Forget unregisters it and leaves u alone.
func (c *Calls) BeginIn(vertical string, data *hostcall.Data, requestID string, p auth.Principal, u *dal.Unit) (string, *Call) {
	cl := &Call{vertical: vertical, requestID: requestID, principal: p, data: data, unit: u}
	return c.store(cl), cl
}

func (c *Calls) store(cl *Call) string {
	id := uuid.NewString()
	c.m.Store(id, cl)
	return id
}

// Forget unregisters call id without ending its unit of work.
func (c *Calls) Forget(id string) { c.m.Delete(id) }

// End unregisters the call and ends its unit of work: committed when
// commit is true and nothing failed, rolled back otherwise.
func (c *Calls) End(ctx context.Context, id string, cl *Call, commit bool) error {
	c.m.Delete(id)
	if cl.unit == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if commit {
		b := &pgx.Batch{}
		cl.JournalInvalidations(b)
		if err := cl.Send(ctx, b); err != nil {
			_ = cl.unit.Finish(ctx, false)
			return err
		}
	}
	return cl.unit.Finish(ctx, commit)
}

// lookup finds the call a callback belongs to; a plugin may only name its
// own calls.
func (c *Calls) lookup(ctx context.Context, vertical string) (*Call, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	ids := md.Get(wire.CallIDMetadata)
	if len(ids) != 1 {
		return nil, rpcError(kind.Invalid, "missing_call_id", "missing "+wire.CallIDMetadata)
	}
	v, ok := c.m.Load(ids[0])
	if !ok || v.(*Call).vertical != vertical {
		return nil, rpcError(kind.Forbidden, "unknown_call", "unknown or finished call")
	}
	return v.(*Call), nil
}
