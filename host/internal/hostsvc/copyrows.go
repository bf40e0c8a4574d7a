package hostsvc

import (
	"context"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// CopyRows implements nexusv1.HostServer: a Seed call bulk-loads rows into
// its vertical's schema (hostcall.Data.CopyRows); any other call is
// refused.
func (h *Service) CopyRows(ctx context.Context, req *nexusv1.CopyRowsRequest) (*nexusv1.CopyRowsResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if !cl.seed {
		return nil, rpcError(kind.Forbidden, "permission_denied", "only a seed call may copy rows")
	}
	if cl.unit == nil {
		return nil, rpcError(kind.Unavailable, "database_unavailable", "the host runs without a database")
	}
	return cl.data.CopyRows(ctx, cl.unit, cl.principal.CompanyID, req, h.log, cl.requestID)
}
