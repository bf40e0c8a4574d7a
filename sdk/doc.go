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
// Optional capabilities are small interfaces (CompanyConfigurer, Shutdowner)
// detected at run time, so adding a capability later breaks no vertical.
package sdk
