package e2e

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestBadConfigurationStopsTheStart runs the host binary with malformed
// settings: it exits at once with an error naming each variable, instead
// of retrying a broker URL forever, and never echoes a password.
func TestBadConfigurationStopsTheStart(t *testing.T) {
	t.Parallel()
	bin := hosttest.Build(t, hosttest.HostPackage)
	db := pgtest.NewDatabase(t)
	for _, tc := range []struct{ key, value string }{
		{"NEXUS_AMQP_URL", "amqp//guest:s3cret@127.0.0.1:5672"},
		{"NEXUS_AMQP_URL", "amqp://guest:s3cret@127.0.0.1:notaport/"},
		{"NEXUS_REDIS_URL", "redis://u:s3cret@127.0.0.1:6379/db"},
		{"NEXUS_EVENTS_PREFETCH", "0"},
		// A production host needs a secrets key of its own, and a bad one
		// is never echoed.
		{"NEXUS_SECRETS_KEY", ""},
		{"NEXUS_SECRETS_KEY", "s3cret"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, "serve")
		cmd.Env = []string{"NEXUS_HTTP_ADDR=127.0.0.1:0", "NEXUS_DATABASE_URL=" + db, "NEXUS_ENV=test",
			"NEXUS_JWT_SECRET=hosttest-secret-that-is-at-least-32-bytes", "NEXUS_PLUGIN_DIR=" + t.TempDir(),
			tc.key + "=" + tc.value}
		out, err := cmd.CombinedOutput()
		timedOut := ctx.Err()
		cancel()
		require.Error(t, err, "%s=%s must stop the start: %s", tc.key, tc.value, out)
		require.NoError(t, timedOut, "%s=%s: the host must exit at once, not retry", tc.key, tc.value)
		require.Contains(t, string(out), tc.key, "the error names the variable")
		require.NotContains(t, string(out), "s3cret")
	}
}
