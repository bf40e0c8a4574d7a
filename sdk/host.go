package sdk

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
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// hostClient makes the host callbacks of one call (a request or an event).
type hostClient struct {
	client nexusv1.HostClient
	callID string
}

func (h *hostClient) outgoing(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, wire.CallIDMetadata, h.callID)
}

func (h *hostClient) echo(ctx context.Context, message string) (EchoResult, error) {
	if h.client == nil {
		return EchoResult{}, errHostUnavailable
	}
	res, err := h.client.Echo(h.outgoing(ctx), &nexusv1.EchoRequest{Message: message}, callOptions...)
	if err != nil {
		return EchoResult{}, fromStatus("echo", err)
	}
	return EchoResult{
		Message:   res.GetMessage(),
		RequestID: res.GetRequestId(),
		CompanyID: res.GetCompanyId(),
		UserID:    res.GetUserId(),
		Vertical:  res.GetVertical(),
	}, nil
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

// dialHost connects to the host service the broker serves under id.
type broker interface {
	Dial(id uint32) (*grpc.ClientConn, error)
}

func dialHost(b broker, id uint32) (nexusv1.HostClient, error) {
	conn, err := b.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial host service %d: %w", id, err)
	}
	return nexusv1.NewHostClient(conn), nil
}

func (h *hostClient) db(ctx context.Context, req *nexusv1.DBRequest) (*nexusv1.DBResponse, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	res, err := h.client.DB(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return nil, fromStatus("db", err)
	}
	return res, nil
}

func (h *hostClient) publish(ctx context.Context, events []*nexusv1.OutEvent) ([]string, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	res, err := h.client.Publish(h.outgoing(ctx), &nexusv1.PublishRequest{Events: events}, callOptions...)
	if err != nil {
		return nil, fromStatus("publish", err)
	}
	if len(res.GetIds()) != len(events) {
		return nil, fmt.Errorf("publish: host answered %d ids for %d events", len(res.GetIds()), len(events))
	}
	return res.GetIds(), nil
}

func (h *hostClient) log(ctx context.Context, level, msg string, fields map[string]string) error {
	if h.client == nil {
		return errHostUnavailable
	}
	_, err := h.client.Log(h.outgoing(ctx), &nexusv1.LogRequest{Level: level, Message: msg, Fields: fields}, callOptions...)
	return err
}

func (h *hostClient) cacheGet(ctx context.Context, req *nexusv1.CacheGetRequest) (*nexusv1.CacheGetResponse, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	res, err := h.client.CacheGet(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return nil, fromStatus("cache get", err)
	}
	return res, nil
}

func (h *hostClient) cacheSet(ctx context.Context, req *nexusv1.CacheSetRequest) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.CacheSet(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("cache set", err)
	}
	return nil
}

func (h *hostClient) cacheInvalidate(ctx context.Context, req *nexusv1.CacheInvalidateRequest) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.CacheInvalidate(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("cache invalidate", err)
	}
	return nil
}

func (h *hostClient) lock(ctx context.Context, req *nexusv1.LockRequest) (string, error) {
	if h.client == nil {
		return "", errHostUnavailable
	}
	res, err := h.client.Lock(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return "", fromStatus("lock", err)
	}
	return res.GetToken(), nil
}

func (h *hostClient) unlock(ctx context.Context, req *nexusv1.UnlockRequest) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.Unlock(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("unlock", err)
	}
	return nil
}

func (h *hostClient) extendLock(ctx context.Context, req *nexusv1.ExtendLockRequest) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.ExtendLock(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("extend lock", err)
	}
	return nil
}
