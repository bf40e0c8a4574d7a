package services_test

import (
	"testing"

	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestMigrationsReversible runs every migration of the services vertical
// up, down and up again: each down leaves exactly the schema from before
// its up.
func TestMigrationsReversible(t *testing.T) {
	t.Parallel()
	sdktest.MigrationsReversible(t, services.New())
}
