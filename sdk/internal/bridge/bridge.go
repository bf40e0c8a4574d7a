// Package bridge lets sdk/sdktest reach the SDK's plugin server without
// making it part of the public API. Package sdk fills NewServer at init.
package bridge

import (
	"github.com/hashicorp/go-hclog"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// NewServer builds the gRPC Vertical service for a sdk.Vertical (passed as
// any to avoid an import cycle) calling the host back through host.
var NewServer func(vertical any, log hclog.Logger, host nexusv1.HostClient) (nexusv1.VerticalServer, error)
