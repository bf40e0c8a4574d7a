package httpx

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Response is what the host's middlewares observe of one response: its
// status, the size of its body and the template of the route that served
// it. The metrics, the tracing and the access log all read the one
// Response of a request, through one wrapper of its response writer: the
// first of them to observe the request makes it (Observe), the others
// find it in the request's context.
type Response struct {
	w     middleware.WrapResponseWriter
	rctx  *chi.Context
	route string
}

// responseKey is the context key of a request's Response.
type responseKey struct{}

// Observe returns the Response of r, with the writer and the request to
// serve it with. The first call for a request wraps w once with chi's
// middleware.NewWrapResponseWriter, which keeps the http.Flusher,
// http.Hijacker, io.ReaderFrom and http.Pusher of w that streaming
// responses rely on, and puts the Response in the request's context; a
// later call, by a middleware inside the first, returns that Response
// with w and r as they are.
func Observe(w http.ResponseWriter, r *http.Request) (*Response, http.ResponseWriter, *http.Request) {
	if o, ok := r.Context().Value(responseKey{}).(*Response); ok {
		return o, w, r
	}
	o := &Response{w: middleware.NewWrapResponseWriter(w, r.ProtoMajor), rctx: chi.RouteContext(r.Context())}
	return o, o.w, r.WithContext(context.WithValue(r.Context(), responseKey{}, o))
}

// Status is the status the response was answered with: 200 when the
// handler wrote nothing.
func (o *Response) Status() int {
	if s := o.w.Status(); s != 0 {
		return s
	}
	return http.StatusOK
}

// Bytes is the number of body bytes written.
func (o *Response) Bytes() int { return o.w.BytesWritten() }

// Route is the template of the route that served the request: the one a
// handler set (SetRoute), else the pattern chi matched, else "".
func (o *Response) Route() string {
	if o.route != "" {
		return o.route
	}
	return o.rctx.RoutePattern()
}

// SetRoute names the route template of ctx's request, for a handler that
// routes below the template chi matched (a vertical's routes below
// /api/v1/verticals/{vertical}/*): its own template, never the raw path.
// Unobserved (no middleware reads it), it does nothing.
func SetRoute(ctx context.Context, template string) {
	if o, ok := ctx.Value(responseKey{}).(*Response); ok {
		o.route = template
	}
}
