package hostsvc

import (
	"context"
	"time"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/locks"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// scope is the cache and lock namespace of a call: its vertical and company.
func (cl *Call) scope() cache.Scope {
	return cache.Scope{Vertical: cl.vertical, CompanyID: cl.principal.CompanyID}
}

// cacheFor returns the call's view of the vertical's cache: invalidations
// are held until the call's unit of work commits.
func (h *Service) cacheFor(ctx context.Context, cl *Call) (cache.Cache, error) {
	if h.cache == nil {
		return nil, rpcError(kind.Unavailable, "cache_unavailable", "the host runs without a cache")
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.cache != nil {
		return cl.cache, nil
	}
	c, err := h.cache.For(cl.scope())
	if err != nil {
		return nil, cacheError(err)
	}
	inv := cache.NewInvalidator(h.log)
	if cl.unit != nil {
		cl.unit.AfterCommit(inv.AfterCommit(context.WithoutCancel(ctx)))
		cl.cache, cl.inv = inv.Wrap(c), inv
	} else {
		cl.cache = c
	}
	return cl.cache, nil
}

// CacheGet implements nexusv1.HostServer.
func (h *Service) CacheGet(ctx context.Context, req *nexusv1.CacheGetRequest) (*nexusv1.CacheGetResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	c, err := h.cacheFor(ctx, cl)
	if err != nil {
		return nil, err
	}
	val, found, stamp, err := c.Lookup(ctx, req.GetKey(), req.GetTags()...)
	if err != nil {
		return nil, cacheError(err)
	}
	return &nexusv1.CacheGetResponse{Found: found, Value: val, Stamp: string(stamp)}, nil
}

// CacheSet implements nexusv1.HostServer.
func (h *Service) CacheSet(ctx context.Context, req *nexusv1.CacheSetRequest) (*nexusv1.CacheSetResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	c, err := h.cacheFor(ctx, cl)
	if err != nil {
		return nil, err
	}
	ttl := time.Duration(req.GetTtlMs()) * time.Millisecond
	if req.GetStamp() != "" {
		err = c.SetFresh(ctx, req.GetKey(), req.GetValue(), ttl, cache.Stamp(req.GetStamp()), req.GetTags()...)
	} else {
		err = c.Set(ctx, req.GetKey(), req.GetValue(), ttl, req.GetTags()...)
	}
	if err != nil {
		return nil, cacheError(err)
	}
	return &nexusv1.CacheSetResponse{}, nil
}

// CacheInvalidate implements nexusv1.HostServer.
func (h *Service) CacheInvalidate(ctx context.Context, req *nexusv1.CacheInvalidateRequest) (*nexusv1.CacheInvalidateResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if err := h.invalidateFor(ctx, cl, req); err != nil {
		return nil, err
	}
	return &nexusv1.CacheInvalidateResponse{}, nil
}

// invalidateFor drops req's keys and tags from cl's cache once its unit of
// work commits.
func (h *Service) invalidateFor(ctx context.Context, cl *Call, req *nexusv1.CacheInvalidateRequest) error {
	c, err := h.cacheFor(ctx, cl)
	if err != nil {
		return err
	}
	if len(req.GetKeys()) > 0 {
		if err := c.Delete(ctx, req.GetKeys()...); err != nil {
			return cacheError(err)
		}
	}
	if len(req.GetTags()) > 0 {
		if err := c.InvalidateTags(ctx, req.GetTags()...); err != nil {
			return cacheError(err)
		}
	}
	return nil
}

func (h *Service) lockerFor(ctx context.Context) (locks.Locker, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if h.locks == nil {
		return nil, rpcError(kind.Unavailable, "locks_unavailable", "the host runs without locks")
	}
	lk, err := h.locks.For(cl.scope())
	if err != nil {
		return nil, lockError(err)
	}
	return lk, nil
}

// Lock implements nexusv1.HostServer.
func (h *Service) Lock(ctx context.Context, req *nexusv1.LockRequest) (*nexusv1.LockResponse, error) {
	lk, err := h.lockerFor(ctx)
	if err != nil {
		return nil, err
	}
	l, err := lk.Acquire(ctx, req.GetName(), time.Duration(req.GetTtlMs())*time.Millisecond, time.Duration(req.GetWaitMs())*time.Millisecond)
	if err != nil {
		return nil, lockError(err)
	}
	return &nexusv1.LockResponse{Token: l.Token()}, nil
}

// Unlock implements nexusv1.HostServer.
func (h *Service) Unlock(ctx context.Context, req *nexusv1.UnlockRequest) (*nexusv1.UnlockResponse, error) {
	lk, err := h.lockerFor(ctx)
	if err != nil {
		return nil, err
	}
	l, err := lk.Resume(req.GetName(), req.GetToken())
	if err == nil {
		err = l.Release(ctx)
	}
	if err != nil {
		return nil, lockError(err)
	}
	return &nexusv1.UnlockResponse{}, nil
}

// ExtendLock implements nexusv1.HostServer.
func (h *Service) ExtendLock(ctx context.Context, req *nexusv1.ExtendLockRequest) (*nexusv1.ExtendLockResponse, error) {
	lk, err := h.lockerFor(ctx)
	if err != nil {
		return nil, err
	}
	l, err := lk.Resume(req.GetName(), req.GetToken())
	if err == nil {
		err = l.Extend(ctx, time.Duration(req.GetTtlMs())*time.Millisecond)
	}
	if err != nil {
		return nil, lockError(err)
	}
	return &nexusv1.ExtendLockResponse{}, nil
}
