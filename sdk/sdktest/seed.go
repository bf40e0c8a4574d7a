package sdktest

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Seed runs the vertical's Seeder for the harness's company and
// configuration in one bulk unit of work, as `nexus seed` does, and
// returns the rows its Copiers wrote per table (unqualified). It needs a
// database (WithDatabase). A vertical without a Seeder is an error.
func (h *Harness) Seed(req sdk.SeedRequest) (map[string]int64, error) {
	h.t.Helper()
	if h.host.pool == nil {
		return nil, fmt.Errorf("sdktest: seeding needs a database; create the harness with sdktest.New(t, v, sdktest.WithDatabase())")
	}
	company, err := uuid.Parse(h.company.ID)
	if err != nil {
		return nil, fmt.Errorf("sdktest: company id %q is not a UUID", h.company.ID)
	}
	ctx := context.Background()
	callID, cl := h.host.begin(uuid.NewString(), sdk.Principal{CompanyID: h.company.ID, Role: sdk.RoleOwner})
	cl.unit, cl.seed = dal.NewBulkTenantUnit(h.host.pool, company, h.host.data.Schema), true
	in := &nexusv1.SeedRequest{
		CallId:       callID,
		Company:      h.companyProto(),
		Config:       h.config,
		Index:        int32(req.Index),
		Seed:         req.Seed,
		Transactions: int64(req.Transactions),
		Days:         int32(req.Days),
		EndUnixNano:  req.End.UnixNano(),
	}
	for _, m := range req.Members {
		in.Members = append(in.Members, &nexusv1.SeedMember{UserId: m.UserID, Email: m.Email, Role: string(m.Role)})
	}
	res, err := h.server.Seed(ctx, in)
	if err != nil {
		_ = h.host.end(ctx, callID, cl, false)
		return nil, fmt.Errorf("sdktest: seed: %s", status.Convert(err).Message())
	}
	if err := h.host.end(ctx, callID, cl, true); err != nil {
		return nil, fmt.Errorf("sdktest: seed: %w", err)
	}
	return res.GetRows(), nil
}

// CopyRows implements nexusv1.HostClient: a Seed call bulk-loads rows into
// the vertical's schema, as the host does; any other call is refused.
func (h *host) CopyRows(ctx context.Context, in *nexusv1.CopyRowsRequest, _ ...grpc.CallOption) (*nexusv1.CopyRowsResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	if !cl.seed {
		return nil, rpcError(kind.Forbidden, "permission_denied", "only a seed call may copy rows")
	}
	return h.data.CopyRows(ctx, cl.unit, uuid.MustParse(cl.principal.CompanyID), in, h.log, cl.requestID)
}
