// Package sdk is what a vertical (a Nexus business-line plugin) is written
// against. A vertical describes itself with a Manifest — routes, and later
// migrations, state machines, subscriptions and named queries — and serves
// it with one call:
//
//	func main() { sdk.Serve(hello.New()) }
//
// Serve hides the go-plugin handshake, mutual TLS, message sizes, logging
// and the watch on the host process. Handlers receive a *Context with the
// request's parameters, body and caller, and reach the host's services
// through it. Authors never see protobuf types or host code; the package
// must not import anything under host/.
//
// A handler fails by returning an error. An *Error has one of the
// platform's error kinds (package kind: invalid 400, unauthenticated 401,
// forbidden 403, not_found 404, method_not_allowed 405, conflict 409, gone
// 410, too_large 413, unsupported_media_type 415, unprocessable 422,
// rate_limited 429, canceled 499, internal 500, bad_gateway 502,
// unavailable 503, timeout 504), which gives the answer's status, and a
// snake_case code; an error from a host call already is one and may be
// returned as it is. The money and taxid packages' errors answer 422 naming
// their field (ValidationError); anything else answers 500 and is logged.
//
// Optional capabilities are small interfaces (CompanyConfigurer, Shutdowner)
// detected at run time, so adding a capability later breaks no vertical.
//
// The SDK is a Go module of its own (Version, ProtocolVersion); its
// compatibility promise is in the module's README.md.
package sdk
