package sdk

// Tracing: when the host traces a call, the plugin records spans around the
// handler and around every host callback it makes, with no code of the
// vertical's. The host's span context arrives as a W3C traceparent in the
// call's gRPC metadata; the plugin's spans go back in the answer's trailer
// (wire.SpansTrailer) and the host exports them with its own exporter, so a
// plugin has no exporter and no OTEL_* configuration. The SDK records
// spans with the little it needs (ids, names, times, a few attributes)
// rather than through the OpenTelemetry API: the API module's own
// requirements would otherwise land in every vertical's go.sum. A call the
// host does not trace costs one metadata lookup.

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// traceparentKey is the metadata key of the W3C trace context.
const traceparentKey = "traceparent"

// Span kinds and status codes, as OpenTelemetry numbers them.
const (
	spanKindServer  = 2
	spanKindClient  = 3
	spanStatusError = 1
)

// spanContext names a span of a trace, as a traceparent carries it.
type spanContext struct {
	traceID [16]byte
	spanID  [8]byte
	sampled bool
}

// parseTraceparent reads a W3C traceparent ("00-<trace id>-<span id>-<flags>",
// lower-case hex, ids not all zero); false when it is malformed.
func parseTraceparent(s string) (spanContext, bool) {
	var sc spanContext
	parts := strings.Split(s, "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" || (parts[0] == "00" && len(parts) != 4) ||
		len(parts[1]) != 32 || len(parts[2]) != 16 || len(parts[3]) != 2 || strings.ToLower(s) != s {
		return sc, false
	}
	var flags [1]byte
	if _, err := hex.Decode(sc.traceID[:], []byte(parts[1])); err != nil {
		return sc, false
	}
	if _, err := hex.Decode(sc.spanID[:], []byte(parts[2])); err != nil {
		return sc, false
	}
	if _, err := hex.Decode(flags[:], []byte(parts[3])); err != nil {
		return sc, false
	}
	if sc.traceID == [16]byte{} || sc.spanID == [8]byte{} {
		return sc, false
	}
	sc.sampled = flags[0]&1 == 1
	return sc, true
}

// traceparent is sc as a W3C traceparent, built in one allocation (it is
// written for every host callback of a traced call).
func (sc spanContext) traceparent() string {
	var b [55]byte
	copy(b[:], "00-")
	hex.Encode(b[3:35], sc.traceID[:])
	b[35] = '-'
	hex.Encode(b[36:52], sc.spanID[:])
	copy(b[52:], "-00")
	if sc.sampled {
		b[54] = '1'
	}
	return string(b[:])
}

// traceKey holds the *span a call's context runs in.
type traceKey struct{}

// spanFrom returns the span ctx runs in, nil outside a trace.
func spanFrom(ctx context.Context) *span {
	s, _ := ctx.Value(traceKey{}).(*span)
	return s
}

// span is a span of a traced call. A span of a call the host does not
// sample only carries the context on (rec is nil) and is not recorded.
type span struct {
	rec    *spanRecorder
	sc     spanContext
	parent [8]byte
	kind   int32
	start  time.Time

	mu        sync.Mutex
	name      string
	attrs     map[string]string
	status    int32
	statusMsg string
	end       time.Time
}

// recording reports whether s is recorded.
func (s *span) recording() bool { return s != nil && s.rec != nil }

// child starts a recorded child span of s, which must be recording.
func (s *span) child(name string, kind int32) *span {
	c := &span{rec: s.rec, sc: spanContext{traceID: s.sc.traceID, sampled: true}, parent: s.sc.spanID,
		name: name, kind: kind, start: time.Now()}
	binary.BigEndian.PutUint64(c.sc.spanID[:], rand.Uint64()|1)
	return c
}

// setName renames s and adds attributes (key, value pairs).
func (s *span) setName(name string, kv ...string) {
	if !s.recording() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.name = name
	if s.attrs == nil {
		s.attrs = make(map[string]string, len(kv)/2)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s.attrs[kv[i]] = kv[i+1]
	}
}

// fail marks s failed with err.
func (s *span) fail(err error) {
	s.mu.Lock()
	s.status, s.statusMsg = spanStatusError, err.Error()
	s.mu.Unlock()
}

// finish ends s; its recorder keeps it.
func (s *span) finish() {
	s.mu.Lock()
	s.end = time.Now()
	s.mu.Unlock()
	s.rec.add(s)
}

// spanRecorder keeps the spans that end during one traced call.
type spanRecorder struct {
	mu    sync.Mutex
	spans []*span
}

func (r *spanRecorder) add(s *span) {
	r.mu.Lock()
	r.spans = append(r.spans, s)
	r.mu.Unlock()
}

// traceServer is the plugin's gRPC server interceptor: for a call carrying
// a sampled traceparent it records a server span around the handler (the
// SDK renames it after the route or subscription) and returns the call's
// spans in the trailer; a span context that is not sampled is only passed
// on, so that log lines carry its trace id.
func traceServer(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	tp := metadata.ValueFromIncomingContext(ctx, traceparentKey)
	if len(tp) == 0 {
		return handler(ctx, req)
	}
	remote, ok := parseTraceparent(tp[0])
	if !ok {
		return handler(ctx, req)
	}
	if !remote.sampled {
		return handler(context.WithValue(ctx, traceKey{}, &span{sc: remote}), req)
	}
	rec := &spanRecorder{}
	s := (&span{rec: rec, sc: remote}).child(strings.TrimPrefix(info.FullMethod, "/"), spanKindServer)
	res, err := handler(context.WithValue(ctx, traceKey{}, s), req)
	if err != nil {
		s.fail(err)
	}
	s.finish()
	rec.mu.Lock()
	trailer, ok := spansTrailer(rec.spans)
	rec.mu.Unlock()
	if ok {
		_ = grpc.SetTrailer(ctx, trailer)
	}
	return res, err
}

// tracedConn is the connection to the host, recording a client span around
// each host callback of a traced call and passing the span context on in
// the callback's metadata.
type tracedConn struct{ grpc.ClientConnInterface }

// Invoke implements grpc.ClientConnInterface.
func (c tracedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	parent := spanFrom(ctx)
	if parent == nil {
		return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
	}
	s := parent
	if parent.recording() {
		s = parent.child(strings.TrimPrefix(method, "/"), spanKindClient)
	}
	err := c.ClientConnInterface.Invoke(metadata.AppendToOutgoingContext(ctx, traceparentKey, s.sc.traceparent()),
		method, args, reply, opts...)
	if s != parent {
		if err != nil {
			s.fail(err)
		}
		s.finish()
	}
	return err
}

// traceFields are the log fields naming ctx's trace and span, none when
// ctx is not traced.
func traceFields(ctx context.Context) []any {
	s := spanFrom(ctx)
	if s == nil {
		return nil
	}
	return []any{"trace_id", hex.EncodeToString(s.sc.traceID[:]), "span_id", hex.EncodeToString(s.sc.spanID[:])}
}

// setSpanName renames ctx's span, when it records, and adds attributes
// (key, value pairs).
func setSpanName(ctx context.Context, name string, kv ...string) { spanFrom(ctx).setName(name, kv...) }
