package hostsvc

import (
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
)

// statusOf converts an error from a host service into the gRPC status the
// SDK turns back into the error envelope. A client error (4xx) or an
// unavailable service (503) keeps its exact HTTP status on the wire
// (wire.WithHTTPStatus), so the vertical answers with it unchanged.
func statusOf(err error) error {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status >= 500 && he.Status != http.StatusServiceUnavailable {
		return dal.Status(err)
	}
	st := dal.Status(&dal.Error{Code: wire.CodeOf(he.Status), Reason: he.Code, Message: he.Message, Details: he.Details})
	return wire.WithHTTPStatus(st, he.Status)
}

// rpcError is a gRPC status with an ErrorInfo reason.
func rpcError(code codes.Code, reason, msg string) error {
	return dal.Status(&dal.Error{Code: code, Reason: reason, Message: msg})
}

// cacheError is the status of a failed cache operation.
func cacheError(err error) error {
	if errors.Is(err, cache.ErrInvalid) {
		return rpcError(codes.InvalidArgument, "invalid_cache_request", err.Error())
	}
	return rpcError(codes.Internal, "internal", "cache failure")
}

// lockError is the status of a failed lock operation.
func lockError(err error) error {
	switch {
	case errors.Is(err, locks.ErrInvalid):
		return rpcError(codes.InvalidArgument, "invalid_lock_request", err.Error())
	case errors.Is(err, locks.ErrNotAcquired):
		return rpcError(codes.Aborted, "lock_not_acquired", err.Error())
	case errors.Is(err, locks.ErrNotHeld):
		return rpcError(codes.Aborted, "lock_not_held", err.Error())
	case errors.Is(err, locks.ErrUnavailable):
		return rpcError(codes.Unavailable, "lock_unavailable", "locks are unavailable right now")
	default:
		return rpcError(codes.Internal, "internal", "lock failure")
	}
}
