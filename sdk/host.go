package sdk

// Reaching the host: the metadata naming a call, and the errors callbacks
// answer (fromStatus).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/wire"
)

func (h *hostClient) outgoing(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, wire.CallIDMetadata, h.callID)
}

var callOptions = wire.CallOptions()

var errHostUnavailable = errors.New("host services are not connected")

// fromStatus turns a gRPC error from the host into an *Error when the host
// meant it for the client (invalid input, not found, conflict ...), with
// the exact HTTP status it carries (wire.HTTPStatusOf), or a wrapped error
// otherwise.
func fromStatus(op string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	if st.Code() == codes.Canceled || st.Code() == codes.DeadlineExceeded {
		return fmt.Errorf("%s: %w", op, context.Canceled)
	}
	httpStatus := wire.HTTPStatusOf(st)
	if httpStatus == 0 || httpStatus >= 500 && httpStatus != http.StatusServiceUnavailable {
		return fmt.Errorf("%s: %w", op, err)
	}
	code, details := envelopeOf(st)
	return &Error{Status: httpStatus, Code: code, Message: st.Message(), Details: details, Internal: internalOf(st)}
}

// internalOf reads the internal details the host puts in the status's
// DebugInfo (a JSON object), or nil.
func internalOf(st *status.Status) map[string]any {
	for _, d := range st.Details() {
		if debug, ok := d.(*errdetails.DebugInfo); ok {
			var internal map[string]any
			if json.Unmarshal([]byte(debug.GetDetail()), &internal) == nil && len(internal) > 0 {
				return internal
			}
		}
	}
	return nil
}

// envelopeOf reads the envelope code and details the host puts in the
// status's ErrorInfo, or derives a code from the gRPC code.
func envelopeOf(st *status.Status) (string, map[string]any) {
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetReason() == "" || wire.IsStatusInfo(info) {
			continue
		}
		var details map[string]any
		for k, v := range info.GetMetadata() {
			if details == nil {
				details = map[string]any{}
			}
			var decoded any
			if json.Unmarshal([]byte(v), &decoded) == nil {
				details[k] = decoded
			} else {
				details[k] = v
			}
		}
		return info.GetReason(), details
	}
	return map[codes.Code]string{
		codes.InvalidArgument:    "invalid_request",
		codes.Unauthenticated:    "unauthorized",
		codes.NotFound:           "not_found",
		codes.AlreadyExists:      "conflict",
		codes.Aborted:            "conflict",
		codes.FailedPrecondition: "unprocessable",
		codes.PermissionDenied:   "forbidden",
		codes.ResourceExhausted:  "rate_limited",
		codes.Unavailable:        "unavailable",
	}[st.Code()], nil
}

// broker dials the host services go-plugin serves to the plugin.
type broker interface {
	Dial(id uint32) (*grpc.ClientConn, error)
}
