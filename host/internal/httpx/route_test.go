package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestRoute: the template a handler set wins over the pattern chi matched;
// the pattern is the answer otherwise, and there is none outside a router.
// Both middlewares installing a slot share it.
func TestRoute(t *testing.T) {
	t.Parallel()
	if got := Route(context.Background()); got != "" {
		t.Fatalf("outside a router: %q, want none", got)
	}
	var chiRoute, setRoute string
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			outer := WithRoute(req.Context())
			inner := WithRoute(outer)
			next.ServeHTTP(w, req.WithContext(inner))
			if req.URL.Path == "/set/x" {
				setRoute = Route(outer)
			} else {
				chiRoute = Route(outer)
			}
		})
	})
	r.Get("/items/{id}", func(http.ResponseWriter, *http.Request) {})
	r.Get("/set/*", func(_ http.ResponseWriter, req *http.Request) { SetRoute(req.Context(), "/set/{name}") })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/items/7", nil))
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/set/x", nil))
	if chiRoute != "/items/{id}" {
		t.Fatalf("chi's pattern: %q, want /items/{id}", chiRoute)
	}
	if setRoute != "/set/{name}" {
		t.Fatalf("a handler's template: %q, want /set/{name}", setRoute)
	}
}
