package cpg_test

import (
	"testing"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestMigrationsReversible runs every CPG migration up, down and up again:
// each down leaves exactly the schema from before its up.
func TestMigrationsReversible(t *testing.T) {
	t.Parallel()
	sdktest.MigrationsReversible(t, cpg.New())
}
