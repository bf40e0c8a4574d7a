package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/nexuspos/nexus/host/internal/metrics"
	"github.com/nexuspos/nexus/host/internal/tracing"
)

// TestMain turns tracing on (spans recorded and dropped), as the host
// does with an exporter configured, so that every middleware of a request
// observes it.
func TestMain(m *testing.M) {
	tracing.Install(sdktrace.NewTracerProvider(), sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter()), resource.NewSchemaless())
	os.Exit(m.Run())
}

// observed is a router with every middleware of a request, metrics and
// tracing on, and handler on /items/{id}.
func observed(handler http.HandlerFunc) http.Handler {
	r := chi.NewRouter()
	r.Use(middlewares(Deps{Log: hclog.NewNullLogger(), Observe: metrics.New().HTTP()})...)
	r.Get("/items/{id}", handler)
	return r
}

// TestMiddlewaresWrapOnce: behind every middleware of a request, metrics
// and tracing on, a handler writes to the server's writer through one
// wrapper, which the metrics, the trace and the access log share; and
// that wrapper keeps what streaming responses rely on: an event flushed
// reaches the client while the handler still runs, a hijacked connection
// answers by itself, and io.Copy finds ReadFrom.
func TestMiddlewaresWrapOnce(t *testing.T) {
	t.Parallel()
	var unwrapped http.ResponseWriter
	rec := httptest.NewRecorder()
	observed(func(w http.ResponseWriter, _ *http.Request) {
		unwrapped = w.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
	}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/items/1", nil))
	require.Same(t, rec, unwrapped, "one wrapper between the handler and the server's writer")

	release := make(chan struct{})
	var readFrom atomic.Bool
	srv := httptest.NewServer(observed(func(w http.ResponseWriter, r *http.Request) {
		switch chi.URLParam(r, "id") {
		case "stream":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: one\n\n")
			w.(http.Flusher).Flush()
			<-release
			fmt.Fprint(w, "data: two\n\n")
		case "hijack":
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nraw ok")
			_ = buf.Flush()
		case "copy":
			_, ok := w.(io.ReaderFrom)
			readFrom.Store(ok)
			_, _ = io.Copy(w, strings.NewReader("copied"))
		}
	}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/items/stream")
	require.NoError(t, err)
	body := bufio.NewReader(res.Body)
	line, err := body.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "data: one\n", line, "the flushed event arrives before the handler returns")
	close(release)
	rest, err := io.ReadAll(body)
	require.NoError(t, err)
	require.Equal(t, "\ndata: two\n\n", string(rest))
	require.NoError(t, res.Body.Close())

	for path, want := range map[string]string{"/items/hijack": "raw ok", "/items/copy": "copied"} {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		data, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		require.Equal(t, want, string(data), path)
	}
	require.True(t, readFrom.Load(), "the writer keeps io.ReaderFrom")
}

// BenchmarkMiddlewares is the cost of the middlewares of every request,
// metrics and tracing on, on a routed request.
func BenchmarkMiddlewares(b *testing.B) {
	h := observed(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/items/42", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}
