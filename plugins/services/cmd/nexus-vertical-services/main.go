// Command nexus-vertical-services is the professional-services vertical
// plugin; the Nexus host launches it from its plugin directory.
package main

import (
	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk"
)

func main() { sdk.Serve(services.New()) }
