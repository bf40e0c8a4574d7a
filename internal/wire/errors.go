package wire

import (
	"encoding/json"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/nexuspos/nexus/sdk/kind"
)

// An error crosses between host and plugin as a gRPC status: its code is
// the kind's closest gRPC code (CodeOf), its message the error's, and its
// details
//   - an ErrorInfo in ErrorDomain whose reason is the envelope code and
//     whose metadata are the envelope details (strings as they are, other
//     values as JSON);
//   - an ErrorInfo in KindDomain carrying the kind (KindKey), so that
//     kinds sharing a gRPC code (400, 401, 413, 415 ...) arrive exactly;
//   - when there are any, the internal details (what failed in the
//     vertical's own terms) as the JSON object of a DebugInfo, which the
//     SDK keeps out of the envelope.

// ErrorDomain is the ErrorInfo domain of the envelope code and details.
const ErrorDomain = "nexus.dal"

// KindDomain is the ErrorInfo domain of the detail carrying the kind
// (reason KindReason, metadata KindKey).
const KindDomain = "nexus.wire"

// KindReason is the reason of the ErrorInfo in KindDomain.
const KindReason = "KIND"

// KindKey is the metadata key of the kind.
const KindKey = "kind"

// grpcCodes are the gRPC codes the kinds travel as.
var grpcCodes = map[kind.Kind]codes.Code{
	kind.Invalid:              codes.InvalidArgument,
	kind.Unauthenticated:      codes.Unauthenticated,
	kind.Forbidden:            codes.PermissionDenied,
	kind.NotFound:             codes.NotFound,
	kind.MethodNotAllowed:     codes.Unimplemented,
	kind.Conflict:             codes.Aborted,
	kind.Gone:                 codes.NotFound,
	kind.TooLarge:             codes.InvalidArgument,
	kind.UnsupportedMediaType: codes.InvalidArgument,
	kind.Unprocessable:        codes.FailedPrecondition,
	kind.RateLimited:          codes.ResourceExhausted,
	kind.Canceled:             codes.Canceled,
	kind.Internal:             codes.Internal,
	kind.BadGateway:           codes.Internal,
	kind.Unavailable:          codes.Unavailable,
	kind.Timeout:              codes.DeadlineExceeded,
}

// codeKinds are the kinds a status without a known kind (a peer older or
// newer than this build) stands for, by its code.
var codeKinds = map[codes.Code]kind.Kind{
	codes.InvalidArgument:    kind.Invalid,
	codes.Unauthenticated:    kind.Unauthenticated,
	codes.PermissionDenied:   kind.Forbidden,
	codes.NotFound:           kind.NotFound,
	codes.AlreadyExists:      kind.Conflict,
	codes.Aborted:            kind.Conflict,
	codes.FailedPrecondition: kind.Unprocessable,
	codes.ResourceExhausted:  kind.RateLimited,
	codes.Canceled:           kind.Canceled,
	codes.Unavailable:        kind.Unavailable,
	codes.DeadlineExceeded:   kind.Timeout,
}

// CodeOf returns the gRPC code an error of kind k travels as; Internal for
// an unknown kind.
func CodeOf(k kind.Kind) codes.Code {
	if c, ok := grpcCodes[k]; ok {
		return c
	}
	return codes.Internal
}

// Error is an error as it crosses the wire.
type Error struct {
	Kind    kind.Kind
	Code    string
	Message string
	// Details go to the API client in the envelope.
	Details map[string]any
	// Internal stays with the vertical and its log.
	Internal map[string]any
}

// Status returns e as a gRPC status error. An Internal error carries its
// code and message but never details.
func Status(e Error) error {
	info := &errdetails.ErrorInfo{Reason: e.Code, Domain: ErrorDomain}
	if len(e.Details) > 0 && e.Kind != kind.Internal {
		info.Metadata = make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			if s, ok := v.(string); ok {
				info.Metadata[k] = s
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				b = []byte(fmt.Sprint(v))
			}
			info.Metadata[k] = string(b)
		}
	}
	details := []protoadapt.MessageV1{info, &errdetails.ErrorInfo{
		Domain: KindDomain, Reason: KindReason, Metadata: map[string]string{KindKey: string(e.Kind)},
	}}
	if len(e.Internal) > 0 {
		if b, err := json.Marshal(e.Internal); err == nil {
			details = append(details, &errdetails.DebugInfo{Detail: string(b)})
		}
	}
	st := status.New(CodeOf(e.Kind), e.Message)
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// FromStatus reads an error from st: its kind (the one it carries when
// this build knows it, else the one its code stands for, else Internal),
// envelope code (the kind's name when st carries none), message and
// details.
func FromStatus(st *status.Status) Error {
	e := Error{Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if d.GetDomain() == KindDomain && d.GetReason() == KindReason {
				if k := kind.Kind(d.GetMetadata()[KindKey]); k.Known() {
					e.Kind = k
				}
				continue
			}
			if e.Code != "" || d.GetReason() == "" {
				continue
			}
			e.Code = d.GetReason()
			for k, v := range d.GetMetadata() {
				if e.Details == nil {
					e.Details = map[string]any{}
				}
				var decoded any
				if json.Unmarshal([]byte(v), &decoded) == nil {
					e.Details[k] = decoded
				} else {
					e.Details[k] = v
				}
			}
		case *errdetails.DebugInfo:
			var internal map[string]any
			if json.Unmarshal([]byte(d.GetDetail()), &internal) == nil && len(internal) > 0 {
				e.Internal = internal
			}
		}
	}
	if e.Kind == "" {
		e.Kind = kind.Internal
		if k, ok := codeKinds[st.Code()]; ok {
			e.Kind = k
		}
	}
	if e.Code == "" {
		e.Code = string(e.Kind)
	}
	return e
}
