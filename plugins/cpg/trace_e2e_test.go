package cpg_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestCheckoutTrace runs a checkout through the real host and CPG plugin
// with tracing on, exporting over OTLP to a receiver in the test, and
// checks the span tree of the request: the host's HTTP span (a child of
// the client's traceparent), its call to the plugin, the plugin's handler
// span and, under it, each host callback the plugin made, as the plugin's
// client span within the handler's (the host records no second span for a
// callback); all in the client's trace.
func TestCheckoutTrace(t *testing.T) {
	t.Parallel()
	traces := hosttest.StartTraces(t)
	p := startPlatform(t, traces.Env()...)
	c := p.newCompany(t, "MX")
	variant := c.product("TRACE-1", "25.00", "12.00")
	c.stock(variant, "10")
	session := c.session("100.00")

	const (
		traceID    = "4bf92f3577b34da6a3ce929d0e0e4736"
		clientSpan = "00f067aa0ba902b7"
	)
	c.ok(http.StatusCreated, "cashier", "POST", "/sales", saleBody(session, "30.00", line(variant, "1")),
		"traceparent", "00-"+traceID+"-"+clientSpan+"-01")

	const root = "POST /api/v1/verticals/cpg/sales"
	spans := traces.Await(t, "checkout span", func(spans []hosttest.Span) bool {
		for _, s := range spans {
			if s.TraceID == traceID && s.Name == root {
				return true
			}
		}
		return false
	})
	tree := map[string][]hosttest.Span{} // parent span id → children
	var server hosttest.Span
	for _, s := range spans {
		if s.TraceID != traceID {
			continue
		}
		tree[s.ParentID] = append(tree[s.ParentID], s)
		if s.Name == root {
			server = s
		}
	}
	require.Equal(t, clientSpan, server.ParentID, "the HTTP span continues the client's trace")
	require.Equal(t, "nexus", server.Service)
	require.Equal(t, "/api/v1/verticals/cpg/sales", server.Attributes["http.route"])
	require.Equal(t, "201", server.Attributes["http.response.status_code"])

	call := only(t, tree[server.SpanID], "nexus.v1.Vertical/HandleRoute")
	require.Equal(t, "nexus", call.Service)
	require.EqualValues(t, 3, call.Kind, "client")

	handler := only(t, tree[call.SpanID], "POST /sales")
	require.Equal(t, "nexus-vertical-cpg", handler.Service, "the plugin's span, exported by the host")
	require.EqualValues(t, 2, handler.Kind, "server")
	require.Equal(t, "/sales", handler.Attributes["http.route"])

	callbacks := tree[handler.SpanID]
	require.NotEmpty(t, callbacks, "the checkout calls the host back")
	db := 0
	for _, cb := range callbacks {
		require.Equal(t, "nexus-vertical-cpg", cb.Service)
		require.EqualValues(t, 3, cb.Kind, "client")
		require.Empty(t, tree[cb.SpanID], "%s: one span per callback, the plugin's", cb.Name)
		require.False(t, cb.Start.Before(handler.Start) || cb.End.After(handler.End), "%s lies within the handler's span", cb.Name)
		if cb.Name == "nexus.v1.Host/DB" {
			db++
		}
	}
	require.Positive(t, db, "the checkout's DAL calls are spans: %v", callbacks)
}

// only requires one span named name among spans and returns it.
func only(t *testing.T, spans []hosttest.Span, name string) hosttest.Span {
	t.Helper()
	var found []hosttest.Span
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "one %s span among %v", name, spans)
	return found[0]
}
