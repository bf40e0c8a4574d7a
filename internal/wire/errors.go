package wire

import (
	"net/http"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// StatusDomain is the ErrorInfo domain of the detail carrying the exact
// HTTP status an error stands for (reason StatusReason, metadata
// StatusKey). The gRPC codes cannot tell 400 from 401, 413 or 415; with it,
// every kind a host service answers reaches the plugin, and so the HTTP
// edge, unchanged.
const StatusDomain = "nexus.wire"

// StatusReason is the reason of the ErrorInfo in StatusDomain.
const StatusReason = "HTTP_STATUS"

// StatusKey is the metadata key of the HTTP status, in decimal.
const StatusKey = "status"

// httpStatuses are the HTTP statuses the gRPC codes meant for an API client
// stand for when no exact status travels with them.
var httpStatuses = map[codes.Code]int{
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.Unauthenticated:    http.StatusUnauthorized,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.Aborted:            http.StatusConflict,
	codes.FailedPrecondition: http.StatusUnprocessableEntity,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.Unavailable:        http.StatusServiceUnavailable,
}

// grpcCodes are the gRPC codes of the HTTP statuses that have one of their
// own; any other client error travels as InvalidArgument.
var grpcCodes = map[int]codes.Code{
	http.StatusBadRequest:          codes.InvalidArgument,
	http.StatusUnauthorized:        codes.Unauthenticated,
	http.StatusForbidden:           codes.PermissionDenied,
	http.StatusNotFound:            codes.NotFound,
	http.StatusGone:                codes.NotFound,
	http.StatusConflict:            codes.Aborted,
	http.StatusUnprocessableEntity: codes.FailedPrecondition,
	http.StatusTooManyRequests:     codes.ResourceExhausted,
	http.StatusServiceUnavailable:  codes.Unavailable,
}

// CodeOf returns the gRPC code an error answered with httpStatus travels
// as: the closest code, InvalidArgument for other 4xx statuses, Internal for
// other 5xx statuses.
func CodeOf(httpStatus int) codes.Code {
	if c, ok := grpcCodes[httpStatus]; ok {
		return c
	}
	if httpStatus >= 500 {
		return codes.Internal
	}
	return codes.InvalidArgument
}

// WithHTTPStatus returns the gRPC status error err (as status.Convert reads
// it) carrying httpStatus exactly, in a StatusDomain ErrorInfo after its
// other details.
func WithHTTPStatus(err error, httpStatus int) error {
	st := status.Convert(err)
	withStatus, derr := st.WithDetails(&errdetails.ErrorInfo{
		Domain: StatusDomain, Reason: StatusReason,
		Metadata: map[string]string{StatusKey: strconv.Itoa(httpStatus)},
	})
	if derr != nil {
		return st.Err()
	}
	return withStatus.Err()
}

// HTTPStatusOf returns the HTTP status st stands for: the one it carries
// (WithHTTPStatus), else the one its code stands for, else 0 when st is not
// meant for an API client (an internal failure, a cancellation).
func HTTPStatusOf(st *status.Status) int {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && IsStatusInfo(info) {
			if s, err := strconv.Atoi(info.GetMetadata()[StatusKey]); err == nil && s >= 400 && s <= 599 {
				return s
			}
		}
	}
	return httpStatuses[st.Code()]
}

// IsStatusInfo reports whether info is the detail WithHTTPStatus adds,
// which is no part of the error's envelope.
func IsStatusInfo(info *errdetails.ErrorInfo) bool {
	return info.GetDomain() == StatusDomain && info.GetReason() == StatusReason
}
