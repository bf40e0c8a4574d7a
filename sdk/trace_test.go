package sdk

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func TestParseTraceparent(t *testing.T) {
	t.Parallel()
	const tid, sid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	for _, tc := range []struct {
		in      string
		ok      bool
		sampled bool
	}{
		{"00-" + tid + "-" + sid + "-01", true, true},
		{"00-" + tid + "-" + sid + "-00", true, false},
		{"01-" + tid + "-" + sid + "-03-future", true, true},
		{"00-" + tid + "-" + sid + "-01-extra", false, false},
		{"ff-" + tid + "-" + sid + "-01", false, false},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-" + sid + "-01", false, false},
		{"00-00000000000000000000000000000000-" + sid + "-01", false, false},
		{"00-" + tid + "-0000000000000000-01", false, false},
		{"00-" + tid + "-" + sid[:15] + "-01", false, false},
		{"00-" + tid + "-" + sid + "-zz", false, false},
		{"", false, false},
	} {
		sc, ok := parseTraceparent(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		if ok {
			require.Equal(t, tc.sampled, sc.sampled, tc.in)
			require.Equal(t, tid, sc.traceparent()[3:35], tc.in)
		}
	}
	for _, tp := range []string{"00-" + tid + "-" + sid + "-01", "00-" + tid + "-" + sid + "-00"} {
		sc, _ := parseTraceparent(tp)
		require.Equal(t, tp, sc.traceparent())
	}
}

// trailerStream keeps the trailer a handler sets.
type trailerStream struct {
	grpc.ServerTransportStream
	trailer metadata.MD
}

func (s *trailerStream) SetTrailer(md metadata.MD) error {
	s.trailer = metadata.Join(s.trailer, md)
	return nil
}

// outgoingConn records the traceparent of the calls made on it and fails
// the calls to method fail.
type outgoingConn struct {
	grpc.ClientConnInterface
	fail        string
	traceparent []string
}

func (c *outgoingConn) Invoke(ctx context.Context, method string, _, _ any, _ ...grpc.CallOption) error {
	md, _ := metadata.FromOutgoingContext(ctx)
	c.traceparent = append(c.traceparent, md.Get(traceparentKey)...)
	if method == c.fail {
		return errors.New("refused")
	}
	return nil
}

// TestTracedCall serves a traced call through the interceptor: the
// handler's span and one client span per host callback come back in the
// trailer, children of the caller's span and of the handler's, and each
// callback carries its own span's traceparent.
func TestTracedCall(t *testing.T) {
	t.Parallel()
	const tid, caller = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	stream := &trailerStream{}
	conn := &outgoingConn{fail: "/nexus.v1.Host/Publish"}
	ctx := grpc.NewContextWithServerTransportStream(context.Background(), stream)
	ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(traceparentKey, "00-"+tid+"-"+caller+"-01"))
	var logged []any
	_, err := traceServer(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/nexus.v1.Vertical/HandleRoute"}, func(ctx context.Context, _ any) (any, error) {
		setSpanName(ctx, "POST /sales", "http.route", "/sales")
		logged = traceFields(ctx)
		host := tracedConn{conn}
		require.NoError(t, host.Invoke(ctx, "/nexus.v1.Host/DB", nil, nil))
		require.Error(t, host.Invoke(ctx, "/nexus.v1.Host/Publish", nil, nil))
		return nil, nil
	})
	require.NoError(t, err)

	raw := stream.trailer.Get(wire.SpansTrailer)
	require.Len(t, raw, 1)
	var got nexusv1.Spans
	require.NoError(t, proto.Unmarshal([]byte(raw[0]), &got))
	require.Len(t, got.GetSpans(), 3)
	byName := map[string]*nexusv1.Span{}
	for _, s := range got.GetSpans() {
		require.Equal(t, tid, hexOf(s.GetTraceId()))
		require.LessOrEqual(t, s.GetStartUnixNano(), s.GetEndUnixNano())
		byName[s.GetName()] = s
	}
	handler := byName["POST /sales"]
	require.NotNil(t, handler, "the handler's span takes the route's name")
	require.Equal(t, caller, hexOf(handler.GetParentSpanId()))
	require.EqualValues(t, spanKindServer, handler.GetKind())
	require.Equal(t, "/sales", handler.GetAttributes()["http.route"])
	require.Equal(t, []any{"trace_id", tid, "span_id", hexOf(handler.GetSpanId())}, logged)
	db, publish := byName["nexus.v1.Host/DB"], byName["nexus.v1.Host/Publish"]
	require.NotNil(t, db)
	require.NotNil(t, publish)
	for _, s := range []*nexusv1.Span{db, publish} {
		require.Equal(t, hexOf(handler.GetSpanId()), hexOf(s.GetParentSpanId()))
		require.EqualValues(t, spanKindClient, s.GetKind())
	}
	require.EqualValues(t, spanStatusError, publish.GetStatusCode())
	require.Equal(t, "refused", publish.GetStatusMessage())
	require.Zero(t, db.GetStatusCode())
	require.Equal(t, []string{"00-" + tid + "-" + hexOf(db.GetSpanId()) + "-01", "00-" + tid + "-" + hexOf(publish.GetSpanId()) + "-01"},
		conn.traceparent, "each callback continues its own span")
}

// TestUntracedCall checks that a call without a sampled traceparent records
// nothing and returns no spans; an unsampled context is still passed on
// to callbacks and logs.
func TestUntracedCall(t *testing.T) {
	t.Parallel()
	const unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
	for _, md := range []metadata.MD{nil, metadata.Pairs(traceparentKey, "garbage"), metadata.Pairs(traceparentKey, unsampled)} {
		stream := &trailerStream{}
		conn := &outgoingConn{}
		ctx := grpc.NewContextWithServerTransportStream(context.Background(), stream)
		ctx = metadata.NewIncomingContext(ctx, md)
		_, err := traceServer(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/nexus.v1.Vertical/HandleRoute"}, func(ctx context.Context, _ any) (any, error) {
			setSpanName(ctx, "ignored")
			return nil, tracedConn{conn}.Invoke(ctx, "/nexus.v1.Host/DB", nil, nil)
		})
		require.NoError(t, err)
		require.Empty(t, stream.trailer, "%v", md)
		if md != nil && md.Get(traceparentKey)[0] == unsampled {
			require.Equal(t, []string{unsampled}, conn.traceparent)
		} else {
			require.Empty(t, conn.traceparent)
		}
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
