package sdk

// Reaching the host: the metadata naming a call, and the errors callbacks
// answer (fromStatus).

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

func (h *hostClient) outgoing(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, wire.CallIDMetadata, h.callID)
}

var callOptions = wire.CallOptions()

var errHostUnavailable = errors.New("host services are not connected")

// fromStatus turns a gRPC error from the host into an *Error of the kind
// the host chose (wire.FromStatus; a canceled call is also
// context.Canceled), or a wrapped error when the host failed (kind
// Internal).
func fromStatus(op string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := wire.FromStatus(st)
	if e.Kind == kind.Internal {
		return fmt.Errorf("%s: %w", op, err)
	}
	return &Error{Kind: e.Kind, Code: e.Code, Message: e.Message, Details: e.Details, Internal: e.Internal}
}

// broker dials the host services go-plugin serves to the plugin.
type broker interface {
	Dial(id uint32) (*grpc.ClientConn, error)
}
