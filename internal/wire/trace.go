package wire

import "google.golang.org/grpc/metadata"

// Traces cross the plugin boundary in gRPC metadata: the caller's span
// context as a W3C traceparent (and tracestate) header in the request
// metadata, read and written through MetadataCarrier by OpenTelemetry's
// TraceContext propagator; and the spans the plugin recorded while serving
// a traced call, as a serialized nexusv1.Spans in the SpansTrailer of its
// answer.

// SpansTrailer is the gRPC trailer key carrying a plugin's spans (binary
// metadata: gRPC base64-encodes it on the wire).
const SpansTrailer = "nexus-spans-bin"

// MetadataCarrier adapts gRPC metadata to OpenTelemetry's
// propagation.TextMapCarrier (Get, Set, Keys), so that a propagator reads
// and writes trace headers in a call's metadata.
type MetadataCarrier metadata.MD

// Get returns the first value of key.
func (c MetadataCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (c MetadataCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

// Keys lists the keys present.
func (c MetadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
