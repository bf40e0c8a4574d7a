package hostsvc

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/wire"
)

// TestStatusOfKeepsEveryStatus checks that a host service's client error
// reaches the plugin with its exact HTTP status, code and details, where
// 401, 410, 413 and 415 used to travel as a 400; other failures stay
// internal.
func TestStatusOfKeepsEveryStatus(t *testing.T) {
	t.Parallel()
	for _, s := range []int{
		http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusConflict, http.StatusGone, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable,
	} {
		code := "kind_" + strconv.Itoa(s)
		st := status.Convert(statusOf(httpx.NewError(s, code, "m").WithDetails(map[string]any{"field": "x"})))
		require.Equal(t, s, wire.HTTPStatusOf(st), code)
		require.Equal(t, "m", st.Message())
		var info *errdetails.ErrorInfo
		for _, d := range st.Details() {
			if i, ok := d.(*errdetails.ErrorInfo); ok && !wire.IsStatusInfo(i) {
				info = i
			}
		}
		require.NotNil(t, info, code)
		require.Equal(t, code, info.GetReason())
		require.Equal(t, map[string]string{"field": "x"}, info.GetMetadata())
	}
	st := status.Convert(statusOf(httpx.Internal(errors.New("boom"))))
	require.Equal(t, codes.Internal, st.Code())
	require.Zero(t, wire.HTTPStatusOf(st), "an internal failure is not the client's")
}
