// Command nexus-vertical-cpg is the CPG retail vertical plugin; the Nexus
// host launches it from its plugin directory.
package main

import (
	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
)

func main() { sdk.Serve(cpg.New()) }
