package plugins

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// call is one request or event a plugin is handling. Host callbacks name it
// by id; the host answers them in its scope.
type call struct {
	vertical  string
	requestID string
	principal auth.Principal
}

// calls is the registry of in-flight calls.
type calls struct{ m sync.Map }

func (c *calls) begin(id string, cl *call) { c.m.Store(id, cl) }
func (c *calls) end(id string)             { c.m.Delete(id) }

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
