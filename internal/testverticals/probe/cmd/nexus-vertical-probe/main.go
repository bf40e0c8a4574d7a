// Command nexus-vertical-probe is the test vertical of package probe.
package main

import "github.com/nexuspos/nexus/internal/testverticals/probe"

func main() { probe.Main() }
