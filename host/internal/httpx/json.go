package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/sdk/kind"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// WithRequestID returns a context carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithLogger returns a context carrying a request-scoped logger.
func WithLogger(ctx context.Context, l hclog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey, l)
}

// Logger returns the request-scoped logger, or a null logger.
func Logger(ctx context.Context) hclog.Logger {
	if l, ok := ctx.Value(loggerKey).(hclog.Logger); ok {
		return l
	}
	return hclog.NewNullLogger()
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes err as the JSON error envelope, with the HTTP status of
// its kind: the host's one mapping of an error to a status. Errors that are
// not an *Error become a 500 and are logged with the request's logger, but
// for the cancellation of a request whose client closed it, which is
// ClientClosed (kind canceled, 499) and logged at debug level.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled) {
		e = ClientClosed(err)
	} else {
		e = AsError(err)
	}
	status := e.Status()
	switch {
	case status >= 500:
		Logger(r.Context()).Error("request failed", "code", e.Code, "error", err)
	case e.Kind == kind.Canceled:
		Logger(r.Context()).Debug("client closed the request", "error", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	WriteJSON(w, status, envelope.Envelope{
		Error:     envelope.Body{Code: e.Code, Message: e.Message, Details: e.Details},
		RequestID: RequestID(r.Context()),
	})
}

// DecodeJSON strictly decodes the request body into dst: unknown fields,
// wrong types, trailing data and an empty body are 400s, and a body over the
// limit set by the body-limit middleware is a 413.
func DecodeJSON(r *http.Request, dst any) error {
	return Decode(r.Body, dst)
}

// Decode strictly decodes one JSON document from rd into dst, with the same
// error mapping as DecodeJSON.
func Decode(rd io.Reader, dst any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err == nil || isMaxBytes(err) {
			return decodeError(errOrTrailing(err))
		}
		return BadRequest("invalid_json", "request body must hold a single JSON value")
	}
	return nil
}

// DecodeBytes strictly decodes body into dst.
func DecodeBytes(body []byte, dst any) error {
	return Decode(bytes.NewReader(body), dst)
}

var errTrailing = errors.New("trailing data after JSON value")

func errOrTrailing(err error) error {
	if err == nil {
		return errTrailing
	}
	return err
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func decodeError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case isMaxBytes(err):
		return ReadError(err)
	case errors.Is(err, io.EOF):
		return BadRequest("invalid_json", "request body is empty")
	case errors.Is(err, errTrailing):
		return BadRequest("invalid_json", "request body must hold a single JSON value")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("invalid_json", "request body is not valid JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return BadRequest("invalid_json", fmt.Sprintf("request body must be a JSON %s", typeErr.Type.Kind()))
		}
		return BadRequest("invalid_field", fmt.Sprintf("field %q has the wrong type", field)).
			WithDetails(map[string]any{"field": field})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return BadRequest("unknown_field", fmt.Sprintf("unknown field %q", field)).
			WithDetails(map[string]any{"field": field})
	default:
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return BadRequest("invalid_json", "request body is not valid JSON: "+err.Error())
	}
}

// Handle adapts a handler that returns its error to http.HandlerFunc,
// writing the error envelope when it fails.
func Handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			WriteError(w, r, err)
		}
	}
}
