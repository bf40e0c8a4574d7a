package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/hostsvc"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/hostcall"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Tenant is the caller's company and its configuration of the vertical, as
// passed to every call.
type Tenant struct {
	Company Company
	Config  json.RawMessage
}

// Gate decides whether the caller may reach a vertical at all (whether the
// caller's company enabled it) and returns the tenant the call runs for. It
// runs before route matching.
type Gate func(r *http.Request, vertical string) (Tenant, error)

// Handler serves /api/v1/verticals/{vertical}/*: it finds the vertical,
// applies gate, matches the manifest route, checks the route's minimal role
// and proxies the request to the plugin. The caller must have put an
// auth.Principal in the request context.
func (m *Manager) Handler(gate Gate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := chi.URLParam(r, "vertical")
		v, ok := m.get(name)
		if !ok {
			httpx.WriteError(w, r, httpx.NotFound("vertical_not_found", "no vertical named "+name))
			return
		}
		var tenant Tenant
		if gate != nil {
			var err error
			if tenant, err = gate(r, name); err != nil {
				httpx.WriteError(w, r, err)
				return
			}
		}
		dispatch(w, r, v, tenant, func(proc *process) http.Handler { return proc.router })
	})
}

// dispatch hands r, for tenant, to the router pick chooses of v's running
// process (its routes' or its webhooks'), matching the path after the
// handler's prefix; a body encoding the host does not accept is refused
// first, and a vertical that is not running answers 503. The call counts
// as in flight on the process until it is answered (see hotSwap).
func dispatch(w http.ResponseWriter, r *http.Request, v *vertical, tenant Tenant, pick func(*process) http.Handler) {
	if err := checkEncoding(r); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	proc, done, ok := v.acquire()
	if !ok {
		httpx.WriteError(w, r, verticalUnavailable(v.name))
		return
	}
	defer done()
	rctx := chi.NewRouteContext()
	rctx.RoutePath = "/" + chi.URLParam(r, "*")
	ctx := context.WithValue(r.Context(), chi.RouteCtxKey, rctx)
	pick(proc).ServeHTTP(w, r.WithContext(context.WithValue(ctx, tenantKey{}, tenant)))
}

// verticalUnavailable is the 503 for a vertical that is not running.
func verticalUnavailable(name string) *httpx.Error {
	e := httpx.Unavailable("vertical_unavailable", "vertical "+name+" is not available right now")
	e.RetryAfter = httpx.RetryAfter
	return e
}

// notFound answers inside a vertical's router.
func notFound(w http.ResponseWriter, r *http.Request) {
	httpx.WriteError(w, r, httpx.NotFound("route_not_found", "no route "+r.Method+" "+r.URL.Path))
}

// routePath is the path a vertical's router matches: Handler sets it to
// the part after /api/v1/verticals/{vertical}.
func routePath(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePath }

// privateHeaders are never passed to a plugin: credentials stay in the host.
var privateHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Proxy-Authorization": true}

// routeHandler proxies one manifest route to the plugin process proc.
func (m *Manager) routeHandler(v *vertical, proc *process, route *nexusv1.Route) http.Handler {
	minRole := auth.Role(route.GetMinRole())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			httpx.WriteError(w, r, httpx.Unauthorized("authentication required"))
			return
		}
		if !p.Role.AtLeast(minRole) {
			httpx.WriteError(w, r, httpx.Forbidden("insufficient_role", "this route needs role "+string(minRole)+" or higher").
				WithDetails(map[string]any{"required": minRole, "actual": p.Role}))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			httpx.WriteError(w, r, httpx.ReadError(err))
			return
		}
		httpx.SetRoute(r.Context(), "/api/v1/verticals/"+v.name+route.GetPattern())
		ctx, cancel := context.WithTimeout(r.Context(), m.cfg.RequestTimeout)
		defer cancel()
		deadline, _ := ctx.Deadline()
		tenant, _ := r.Context().Value(tenantKey{}).(Tenant)
		requestID := httpx.RequestID(ctx)
		callID, cl := m.calls.Begin(v.name, proc.data, requestID, p, m.cfg.Pool)
		cl.SetOrigin(audit.OriginFrom(ctx))
		idem, err := m.idempotency(ctx, r, cl, route, body)
		if err != nil || idem.replay != nil {
			_ = m.calls.End(ctx, callID, cl, false)
			if err != nil {
				httpx.WriteError(w, r, err)
			} else {
				writeStored(w, *idem.replay)
			}
			return
		}
		res, err := proc.api.HandleRoute(ctx, &nexusv1.RouteRequest{
			CallId:           callID,
			RouteId:          route.GetId(),
			Method:           r.Method,
			Path:             "/" + chi.URLParam(r, "*"),
			Params:           params(r),
			Query:            toValues(r.URL.Query()),
			Headers:          headers(r.Header),
			Body:             body,
			Principal:        principalToProto(p),
			RequestId:        requestID,
			DeadlineUnixNano: deadline.UnixNano(),
			Company:          companyToProto(tenant.Company),
			Config:           tenant.Config,
			DeferEffects:     true,
		})
		m.answer(ctx, w, r, v, proc, callID, cl, res, err, idem)
	})
}

// answer ends call callID of v's process proc, whose answer is res (or
// whose plugin call failed with err), and writes the response. An answer
// below 400 commits: its effects, its cache invalidations' journal and
// its storing under idem's Idempotency-Key (a route's, if it has one)
// share one round trip before the commit. Anything else rolls back. An answer the
// host cannot send, effects it cannot apply and a failed commit answer
// the host's own error instead.
func (m *Manager) answer(ctx context.Context, w http.ResponseWriter, r *http.Request, v *vertical, proc *process, callID string, cl *hostsvc.Call,
	res *nexusv1.RouteResponse, err error, idem idemState) {
	if err != nil {
		_ = m.calls.End(ctx, callID, cl, false)
		m.callFailed(w, r, v, err)
		return
	}
	out := hostcall.StoredResponseOf(res)
	if m.invalidAnswer(w, r, v, out.Status) {
		_ = m.calls.End(ctx, callID, cl, false)
		return
	}
	commit := out.Status < http.StatusBadRequest
	if commit {
		b := &pgx.Batch{}
		if err := proc.host.ApplyEffects(ctx, b, cl, res); err != nil {
			_ = m.calls.End(ctx, callID, cl, false)
			m.effectsFailed(w, r, v, err)
			return
		}
		cl.JournalInvalidations(b)
		if err := queueResponse(b, idem, out); err != nil {
			_ = m.calls.End(ctx, callID, cl, false)
			httpx.WriteError(w, r, err)
			return
		}
		if err := cl.Send(ctx, b); err != nil {
			_ = m.calls.End(ctx, callID, cl, false)
			httpx.WriteError(w, r, fmt.Errorf("finish call: %w", err))
			return
		}
	}
	if err := m.calls.End(ctx, callID, cl, commit); err != nil && commit {
		httpx.Logger(r.Context()).Error("commit failed", "vertical", v.name, "error", err)
		httpx.WriteError(w, r, commitError(err))
		return
	}
	if out.Status == http.StatusServiceUnavailable && len(out.Headers["Retry-After"]) == 0 {
		// A vertical's 503 (its database or a service it needs is
		// unavailable) tells the client when to retry, as the host's do.
		w.Header().Set("Retry-After", strconv.Itoa(httpx.RetryAfter))
	}
	writeStored(w, out)
}

type tenantKey struct{}

func companyToProto(c Company) *nexusv1.Company {
	if c.ID == uuid.Nil {
		return nil
	}
	return &nexusv1.Company{
		Id: c.ID.String(), Name: c.Name, Country: c.Country,
		Currency: c.Currency, Timezone: c.Timezone, TaxId: c.TaxID,
	}
}

// callFailed answers a request whose plugin call failed.
func (m *Manager) callFailed(w http.ResponseWriter, r *http.Request, v *vertical, err error) {
	switch code := status.Code(err); {
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		httpx.WriteError(w, r, httpx.ClientClosed(err))
	case code == codes.DeadlineExceeded:
		httpx.WriteError(w, r, httpx.NewError(kind.Timeout, "timeout", "the vertical did not answer in time"))
	case code == codes.Unavailable || code == codes.Canceled:
		httpx.WriteError(w, r, verticalUnavailable(v.name))
	default:
		httpx.Logger(r.Context()).Error("plugin call failed", "vertical", v.name, "error", err)
		httpx.WriteError(w, r, httpx.NewError(kind.BadGateway, "vertical_error", "the vertical failed to answer"))
	}
}

// invalidAnswer answers a 502 and reports true when a plugin answered with
// a status outside 200–599: such an answer cannot be sent, and below 400
// the call would commit.
func (m *Manager) invalidAnswer(w http.ResponseWriter, r *http.Request, v *vertical, status int) bool {
	if status >= http.StatusOK && status <= 599 {
		return false
	}
	httpx.Logger(r.Context()).Error("plugin answered an invalid status", "vertical", v.name, "status", status)
	httpx.WriteError(w, r, httpx.NewError(kind.BadGateway, "vertical_error", "the vertical failed to answer"))
	return true
}

func params(r *http.Request) map[string]string {
	rctx := chi.RouteContext(r.Context())
	out := make(map[string]string, len(rctx.URLParams.Keys))
	for i, k := range rctx.URLParams.Keys {
		out[k] = rctx.URLParams.Values[i]
	}
	return out
}

func headers(h http.Header) map[string]*nexusv1.Values {
	out := make(map[string]*nexusv1.Values, len(h))
	for k, v := range h {
		if privateHeaders[k] {
			continue
		}
		out[k] = &nexusv1.Values{Values: v}
	}
	return out
}

func toValues(m map[string][]string) map[string]*nexusv1.Values {
	out := make(map[string]*nexusv1.Values, len(m))
	for k, v := range m {
		out[k] = &nexusv1.Values{Values: v}
	}
	return out
}

func principalToProto(p auth.Principal) *nexusv1.Principal {
	return &nexusv1.Principal{
		UserId:    p.UserID.String(),
		Email:     p.Email,
		CompanyId: p.CompanyID.String(),
		Role:      string(p.Role),
	}
}

// effectsFailed answers a request whose returned effects the host could not
// apply: the vertical's mistakes (a foreign topic, a bad cache key) are its
// error, a missing service is unavailable.
func (m *Manager) effectsFailed(w http.ResponseWriter, r *http.Request, v *vertical, err error) {
	st := status.Convert(err)
	if st.Code() == codes.Unavailable {
		reason := "service_unavailable"
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() != "" {
				reason = info.GetReason()
			}
		}
		httpx.WriteError(w, r, httpx.Unavailable(reason, st.Message()))
		return
	}
	httpx.Logger(r.Context()).Error("applying a vertical's effects failed", "vertical", v.name, "error", err)
	httpx.WriteError(w, r, httpx.NewError(kind.BadGateway, "vertical_error", "the vertical's answer could not be applied"))
}
