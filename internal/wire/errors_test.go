package wire

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// clientStatuses are the HTTP statuses an error may carry to an API client.
var clientStatuses = []int{
	http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
	http.StatusConflict, http.StatusGone, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
	http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable,
}

// TestHTTPStatusSurvivesTheWire checks that every status reads back
// exactly, although several share a gRPC code.
func TestHTTPStatusSurvivesTheWire(t *testing.T) {
	t.Parallel()
	for _, s := range clientStatuses {
		err := WithHTTPStatus(status.Error(CodeOf(s), "m"), s)
		st := status.Convert(err)
		require.Equal(t, s, HTTPStatusOf(st), "status %d", s)
		require.Equal(t, CodeOf(s), st.Code(), "status %d keeps its code", s)
		require.Equal(t, "m", st.Message())
	}
}

// TestHTTPStatusOfCode checks what a status without the exact HTTP status
// (a DAL error, an older host) stands for.
func TestHTTPStatusOfCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[codes.Code]int{
		codes.InvalidArgument: 400, codes.Unauthenticated: 401, codes.PermissionDenied: 403,
		codes.NotFound: 404, codes.AlreadyExists: 409, codes.Aborted: 409, codes.FailedPrecondition: 422,
		codes.ResourceExhausted: 429, codes.Unavailable: 503, codes.Internal: 0, codes.Unknown: 0, codes.Canceled: 0,
	} {
		require.Equal(t, want, HTTPStatusOf(status.New(code, "m")), code.String())
	}
	require.Equal(t, codes.InvalidArgument, CodeOf(http.StatusTeapot))
	require.Equal(t, codes.Internal, CodeOf(http.StatusBadGateway))
}
