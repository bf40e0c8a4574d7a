package hostsvc

import (
	"errors"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// statusOf converts an error from a host service into the gRPC status the
// SDK turns back into the error envelope. A client error keeps its kind,
// code and details on the wire (wire.Status), so the vertical answers with
// them unchanged; anything else is internal.
func statusOf(err error) error {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Kind == kind.Internal {
		return dal.Status(err)
	}
	return wire.Status(wire.Error{Kind: he.Kind, Code: he.Code, Message: he.Message, Details: he.Details})
}

// rpcError is the status of a host service's error of kind k.
func rpcError(k kind.Kind, reason, msg string) error {
	return wire.Status(wire.Error{Kind: k, Code: reason, Message: msg})
}

// cacheError is the status of a failed cache operation.
func cacheError(err error) error {
	if errors.Is(err, cache.ErrInvalid) {
		return rpcError(kind.Invalid, "invalid_cache_request", err.Error())
	}
	return rpcError(kind.Internal, "internal", "cache failure")
}

// lockError is the status of a failed lock operation.
func lockError(err error) error {
	switch {
	case errors.Is(err, locks.ErrInvalid):
		return rpcError(kind.Invalid, "invalid_lock_request", err.Error())
	case errors.Is(err, locks.ErrNotAcquired):
		return rpcError(kind.Conflict, "lock_not_acquired", err.Error())
	case errors.Is(err, locks.ErrNotHeld):
		return rpcError(kind.Conflict, "lock_not_held", err.Error())
	case errors.Is(err, locks.ErrUnavailable):
		return rpcError(kind.Unavailable, "lock_unavailable", "locks are unavailable right now")
	default:
		return rpcError(kind.Internal, "internal", "lock failure")
	}
}
