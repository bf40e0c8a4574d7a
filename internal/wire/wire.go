// Package wire holds what the host and the SDK must agree on to talk over
// go-plugin: the handshake, the protocol version, the plugin map and the
// small adapters between go-plugin and the generated gRPC code. It knows
// nothing about routes, databases or the SDK's types.
package wire

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// ProtocolVersion is the version of the Vertical/Host protocol this build
// speaks. Bump it for any change an older peer cannot understand.
const ProtocolVersion = 1

// PluginName is the name under which the vertical is dispensed.
const PluginName = "vertical"

// MaxMessageBytes bounds every gRPC message between host and plugin.
const MaxMessageBytes = 64 << 20

// CallIDMetadata is the gRPC metadata key carrying a call id on Host calls.
const CallIDMetadata = "nexus-call-id"

// Handshake is checked by both sides before anything else; a binary started
// by hand (without the cookie) explains that it is a plugin and exits.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "NEXUS_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "6f1c1d0e-nexus-vertical-3c9b",
}

// Server is what a plugin process implements: the generated Vertical
// service plus a hook receiving the broker used to dial the host back.
type Server interface {
	nexusv1.VerticalServer
	SetBroker(b *plugin.GRPCBroker)
}

// Client is what the host gets when it dispenses a plugin.
type Client struct {
	nexusv1.VerticalClient
	Broker *plugin.GRPCBroker
}

// Plugin adapts the Vertical service to go-plugin. The plugin side sets
// Impl; the host side leaves it nil.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Server
}

// GRPCServer registers the plugin's implementation.
func (p *Plugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	p.Impl.SetBroker(b)
	nexusv1.RegisterVerticalServer(s, p.Impl)
	return nil
}

// GRPCClient returns the host's client for a launched plugin.
func (p *Plugin) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{VerticalClient: nexusv1.NewVerticalClient(c), Broker: b}, nil
}

// CallOptions are the per-call options both sides use, raising gRPC's
// default message size limits to MaxMessageBytes.
func CallOptions() []grpc.CallOption {
	return []grpc.CallOption{
		grpc.MaxCallRecvMsgSize(MaxMessageBytes),
		grpc.MaxCallSendMsgSize(MaxMessageBytes),
	}
}

// ServerOptions are the options of every gRPC server either side starts.
func ServerOptions(opts []grpc.ServerOption) []grpc.ServerOption {
	return append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes))
}
