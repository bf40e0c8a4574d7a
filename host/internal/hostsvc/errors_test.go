package hostsvc

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// TestStatusOfKeepsEveryKind checks that a host service's error of every
// kind reaches the plugin with its kind, code and details, where 401, 410,
// 413 and 415 used to travel as a 400; an internal failure shows nothing.
func TestStatusOfKeepsEveryKind(t *testing.T) {
	t.Parallel()
	for _, k := range kind.All() {
		if k == kind.Internal {
			continue
		}
		code := "code_" + string(k)
		st := status.Convert(statusOf(httpx.NewError(k, code, "m").WithDetails(map[string]any{"field": "x"})))
		require.Equal(t, wire.CodeOf(k), st.Code(), k)
		require.Equal(t, wire.Error{Kind: k, Code: code, Message: "m", Details: map[string]any{"field": "x"}}, wire.FromStatus(st), k)
	}
	st := status.Convert(statusOf(httpx.Internal(errors.New("password=secret"))))
	require.Equal(t, codes.Internal, st.Code())
	require.Equal(t, wire.Error{Kind: kind.Internal, Code: "internal", Message: "internal error"}, wire.FromStatus(st))
}
