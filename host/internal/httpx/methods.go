package httpx

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/nexuspos/nexus/sdk/kind"
)

// methods are the request methods a 405 may list in Allow.
var methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// MethodNotAllowed returns the 405 handler of routes: the envelope
// method_not_allowed with an Allow header listing the methods routes serves
// at the request's path, which path returns (RFC 9110, section 15.5.6).
func MethodNotAllowed(routes chi.Routes, path func(*http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := path(r)
		var allowed []string
		for _, m := range methods {
			if routes.Match(chi.NewRouteContext(), m, p) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		WriteError(w, r, NewError(kind.MethodNotAllowed, "method_not_allowed", "method "+r.Method+" is not allowed here").
			WithDetails(map[string]any{"allowed": allowed}))
	}
}
