package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/sdk/kind"
)

// TestEveryKindSurvivesTheWire checks that every kind, code, message and
// detail reads back exactly, although several kinds share a gRPC code.
func TestEveryKindSurvivesTheWire(t *testing.T) {
	t.Parallel()
	for _, k := range kind.All() {
		sent := Error{Kind: k, Code: "code_" + string(k), Message: "m",
			Details: map[string]any{"field": "x", "line": float64(2)}, Internal: map[string]any{"table": "t"}}
		st := status.Convert(Status(sent))
		require.Equal(t, CodeOf(k), st.Code(), k)
		got := FromStatus(st)
		if k == kind.Internal {
			sent.Details = nil
		}
		require.Equal(t, sent, got, k)
	}
}

// TestKindOfCode checks what a status without a kind this build knows (a
// plain gRPC error, an older or newer peer) stands for.
func TestKindOfCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[codes.Code]kind.Kind{
		codes.InvalidArgument: kind.Invalid, codes.Unauthenticated: kind.Unauthenticated,
		codes.PermissionDenied: kind.Forbidden, codes.NotFound: kind.NotFound, codes.AlreadyExists: kind.Conflict,
		codes.Aborted: kind.Conflict, codes.FailedPrecondition: kind.Unprocessable,
		codes.ResourceExhausted: kind.RateLimited, codes.Unavailable: kind.Unavailable,
		codes.DeadlineExceeded: kind.Timeout, codes.Canceled: kind.Canceled,
		codes.Internal: kind.Internal, codes.Unknown: kind.Internal,
	} {
		got := FromStatus(status.New(code, "m"))
		require.Equal(t, want, got.Kind, code.String())
		require.Equal(t, string(want), got.Code, code.String())
	}
	newer := status.Convert(Status(Error{Kind: "from_a_newer_peer", Code: "c", Message: "m"}))
	require.Equal(t, kind.Internal, FromStatus(newer).Kind)
}
