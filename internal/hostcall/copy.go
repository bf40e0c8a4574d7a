package hostcall

import (
	"context"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// CopyRows serves a CopyRows callback of a seed call: it loads req's rows
// into the table of the vertical's schema for companyID in u, the call's
// unit of work (see dal.CopyRows), and answers how many it wrote, or the
// failure as a gRPC status. Failures that are not the vertical's doing are
// logged with requestID.
func (d *Data) CopyRows(ctx context.Context, u *dal.Unit, companyID uuid.UUID, req *nexusv1.CopyRowsRequest, log hclog.Logger, requestID string) (*nexusv1.CopyRowsResponse, error) {
	var n int64
	err := u.Run(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = dal.CopyRows(ctx, tx, d.Catalog, companyID, req.GetTable(), req.GetColumns(), req.GetData())
		return err
	})
	if err != nil {
		if dal.AsError(err).Kind == kind.Internal {
			log.Error("copy rows failed", "request_id", requestID, "table", req.GetTable(), "error", err)
		}
		return nil, dal.Status(err)
	}
	return &nexusv1.CopyRowsResponse{Rows: n}, nil
}
