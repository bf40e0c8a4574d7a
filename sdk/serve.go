package sdk

import (
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/internal/wire"
)

// parentPollInterval is how often a plugin checks that its host still runs.
const parentPollInterval = 500 * time.Millisecond

// Serve runs v as a Nexus plugin and returns only when the host stops it.
// Call it from main; it handles the handshake, mutual TLS, gRPC message
// sizes and logging, and exits the process if the host dies, so no orphan
// plugin keeps a port, a socket or a session open.
func Serve(v Vertical) {
	log := hclog.New(&hclog.LoggerOptions{
		Name:       v.Manifest().Name,
		Level:      hclog.LevelFromString(os.Getenv("NEXUS_VERTICAL_LOG_LEVEL")),
		Output:     os.Stderr,
		JSONFormat: true,
	})
	if n, err := strconv.Atoi(os.Getenv("NEXUS_VERTICAL_GOMAXPROCS")); err == nil && n > 0 {
		runtime.GOMAXPROCS(n)
	}
	go watchParent(log, os.Getppid(), os.Exit)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			wire.ProtocolVersion: {wire.PluginName: &wire.Plugin{Impl: newServer(v, log)}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(wire.ServerOptions(append(opts, grpc.ChainUnaryInterceptor(traceServer)))...)
		},
		Logger: log,
	})
}

// watchParent exits the process once its parent changes: the host died and
// the plugin was re-parented (to init or a subreaper).
func watchParent(log hclog.Logger, parent int, exit func(int)) {
	for range time.Tick(parentPollInterval) {
		if os.Getppid() != parent {
			log.Warn("host process is gone; exiting", "parent", parent)
			exit(3)
			return
		}
	}
}
