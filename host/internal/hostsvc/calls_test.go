package hostsvc

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// naming returns ctx carrying call id as a plugin's callback does.
func naming(id string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs(wire.CallIDMetadata, id))
}

// TestCallbacksReachOnlyTheirVerticalsLiveCalls checks that a callback is
// answered in the scope of the call it names, and refused when it names no
// call, another vertical's call or a finished one.
func TestCallbacksReachOnlyTheirVerticalsLiveCalls(t *testing.T) {
	t.Parallel()
	var calls Calls
	alpha := New(Config{Vertical: "alpha", Calls: &calls, Logger: hclog.NewNullLogger()})
	beta := New(Config{Vertical: "beta", Calls: &calls, Logger: hclog.NewNullLogger()})
	p := auth.Principal{CompanyID: uuid.New(), UserID: uuid.New(), Role: auth.RoleCashier}
	id, cl := calls.Begin("alpha", nil, "req-1", p, nil)
	require.Nil(t, cl.Unit(), "no database, no unit of work")
	require.Equal(t, "alpha", cl.Vertical())
	require.Equal(t, p, cl.Principal())

	res, err := alpha.Echo(naming(id), &nexusv1.EchoRequest{Message: "hi"})
	require.NoError(t, err)
	require.Equal(t, "hi", res.GetMessage())
	require.Equal(t, "req-1", res.GetRequestId())
	require.Equal(t, p.CompanyID.String(), res.GetCompanyId())
	require.Equal(t, "alpha", res.GetVertical())

	_, err = beta.Echo(naming(id), &nexusv1.EchoRequest{})
	require.Equal(t, codes.PermissionDenied, status.Code(err), "another vertical's call")
	_, err = alpha.Echo(context.Background(), &nexusv1.EchoRequest{})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "no call named")
	_, err = alpha.DB(naming(id), &nexusv1.DBRequest{})
	require.Equal(t, codes.Unavailable, status.Code(err), "no database")
	_, err = alpha.Publish(naming(id), &nexusv1.PublishRequest{})
	require.Equal(t, codes.Unavailable, status.Code(err), "no event bus")
	_, err = alpha.CacheGet(naming(id), &nexusv1.CacheGetRequest{Key: "k"})
	require.Equal(t, codes.Unavailable, status.Code(err), "no cache")
	_, err = alpha.Lock(naming(id), &nexusv1.LockRequest{Name: "l"})
	require.Equal(t, codes.Unavailable, status.Code(err), "no locks")

	require.NoError(t, calls.End(context.Background(), id, cl, true))
	_, err = alpha.Echo(naming(id), &nexusv1.EchoRequest{})
	require.Equal(t, codes.PermissionDenied, status.Code(err), "a finished call")

	id, _ = calls.BeginIn("alpha", nil, "req-2", p, nil)
	_, err = alpha.Echo(naming(id), &nexusv1.EchoRequest{})
	require.NoError(t, err)
	calls.Forget(id)
	_, err = alpha.Echo(naming(id), &nexusv1.EchoRequest{})
	require.Equal(t, codes.PermissionDenied, status.Code(err), "a forgotten call")
}
