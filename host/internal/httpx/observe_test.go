package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
)

// TestObserve: the middlewares observing a request share one Response
// and one wrapper of the writer — the inner one passes on what it got —
// which sees the status and the body's size; the route is the template a
// handler set, else the pattern chi matched. Outside a router, and with
// nothing written, it is no route and a 200.
func TestObserve(t *testing.T) {
	t.Parallel()
	type seen struct {
		outer, inner *Response
		handlerW     http.ResponseWriter
		wrapped      http.ResponseWriter
	}
	var got seen
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			got.outer, w, req = Observe(w, req)
			got.wrapped = w
			next.ServeHTTP(w, req)
		})
	}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			var w2 http.ResponseWriter
			got.inner, w2, req = Observe(w, req)
			require.Same(t, w, w2, "the inner middleware passes on the writer it got")
			next.ServeHTTP(w2, req)
		})
	})
	r.Get("/items/{id}", func(w http.ResponseWriter, _ *http.Request) {
		got.handlerW = w
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("hello"))
	})
	r.Get("/set/*", func(_ http.ResponseWriter, req *http.Request) { SetRoute(req.Context(), "/set/{name}") })

	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/items/7", nil))
	require.Same(t, got.outer, got.inner, "one Response per request")
	require.Same(t, got.wrapped, got.handlerW, "wrapped once")
	require.Equal(t, http.StatusCreated, got.outer.Status())
	require.Equal(t, 5, got.outer.Bytes())
	require.Equal(t, "/items/{id}", got.outer.Route())

	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/set/x", nil))
	require.Equal(t, "/set/{name}", got.outer.Route(), "a handler's template wins")
	require.Equal(t, http.StatusOK, got.outer.Status(), "nothing written is a 200")
	require.Zero(t, got.outer.Bytes())

	res, _, req := Observe(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	require.Empty(t, res.Route(), "outside a router")
	SetRoute(context.Background(), "/ignored")
	SetRoute(req.Context(), "/x/{y}")
	require.Equal(t, "/x/{y}", res.Route())
}
