package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// probePackage is the probe vertical's main package.
const probePackage = "github.com/nexuspos/nexus/internal/testverticals/probe/cmd/nexus-vertical-probe"

// TestDevHotSwap: a development host (NEXUS_ENV=dev) notices a rebuilt
// plugin binary and swaps it in without a restart: a call in flight on
// the old process completes there, new calls reach the new build (another
// version), and the old process exits once drained. A rebuilt binary that
// does not start leaves the running process serving. The new build's UI
// bundle replaces the old one's.
func TestDevHotSwap(t *testing.T) {
	t.Parallel()
	rebuilt := filepath.Join(t.TempDir(), "nexus-vertical-probe")
	out, err := exec.Command("go", "build", "-o", rebuilt,
		"-ldflags", "-X github.com/nexuspos/nexus/internal/testverticals/probe.version=0.0.2", probePackage).CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := hosttest.PluginDir(t, map[string]string{"probe": probe(t)})
	h := hosttest.Start(t, dir, "NEXUS_ENV=dev")
	a := h.NewTenant("MX", "probe")
	viewer := a.Tokens["viewer"]

	probeInfo := func() map[string]any {
		for _, v := range h.Expect(http.StatusOK, "GET", "/api/v1/verticals", viewer, nil).JSON(t)["data"].([]any) {
			if info := v.(map[string]any); info["name"] == "probe" {
				return info
			}
		}
		t.Fatal("probe is not listed")
		return nil
	}
	require.Equal(t, "0.0.1", probeInfo()["version"])
	uiHash := func() string {
		uis := h.Expect(http.StatusOK, "GET", "/api/v1/ui", viewer, nil).JSON(t)["verticals"].([]any)
		require.Len(t, uis, 1)
		return uis[0].(map[string]any)["hash"].(string)
	}
	oldHash := uiHash()
	oldPID := int(h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/pid", viewer, nil).JSON(t)["pid"].(float64))

	// A call held in the old process.
	held := make(chan hosttest.Response, 1)
	go func() { held <- h.Call("GET", "/api/v1/verticals/probe/hold?tag=inflight", viewer, nil) }()
	hosttest.Eventually(t, 10*time.Second, "the call is held in the plugin", func() bool {
		_, err := os.Stat(filepath.Join(h.ProbeDir, "held-inflight"))
		return err == nil
	})

	// Rebuild: the new binary replaces the old one as a build does.
	replace(t, dir, rebuilt)
	hosttest.Eventually(t, 30*time.Second, "the rebuilt probe is swapped in", func() bool {
		return probeInfo()["version"] == "0.0.2"
	})
	info := probeInfo()
	require.Equal(t, "running", info["state"])
	require.EqualValues(t, 1, info["swaps"])
	require.EqualValues(t, 0, info["restarts"], "a swap is not a restart")
	require.NotEqual(t, oldHash, uiHash(), "the new build's UI bundle is served")
	require.JSONEq(t, `{"version":"0.0.2"}`, string(h.Expect(http.StatusOK, "GET", "/ui/v/probe/version.json", "", nil).Body))

	// New calls reach the new build while the old process still drains.
	newPID := int(h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/pid", viewer, nil).JSON(t)["pid"].(float64))
	require.NotEqual(t, oldPID, newPID)
	require.NoError(t, os.WriteFile(filepath.Join(h.ProbeDir, "release-fresh"), nil, 0o644))
	fresh := h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/hold?tag=fresh", viewer, nil).JSON(t)
	require.Equal(t, "0.0.2", fresh["version"])
	require.EqualValues(t, newPID, fresh["pid"])
	require.NoError(t, syscall.Kill(oldPID, 0), "the old process is alive while a call is in flight on it")

	// The held call completes on the old process, which then exits.
	require.NoError(t, os.WriteFile(filepath.Join(h.ProbeDir, "release-inflight"), nil, 0o644))
	res := <-held
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	body := res.JSON(t)
	require.Equal(t, "0.0.1", body["version"], "the call in flight finished on the old build")
	require.EqualValues(t, oldPID, body["pid"])
	hosttest.Eventually(t, 10*time.Second, "the old process exits once drained", func() bool {
		return syscall.Kill(oldPID, 0) != nil
	})

	// A build the host refuses (another vertical's binary) leaves the
	// running process serving.
	replace(t, dir, hello(t))
	hosttest.Eventually(t, 30*time.Second, "the refused build is reported", func() bool {
		return strings.Contains(h.Log(), "rebuilt plugin did not start")
	})
	require.EqualValues(t, newPID, h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/pid", viewer, nil).JSON(t)["pid"])
	require.Equal(t, "0.0.2", probeInfo()["version"])
}

// replace puts a copy of the binary src in place of dir's probe plugin as
// a build does: written aside, then renamed over it.
func replace(t *testing.T, dir, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	tmp := filepath.Join(dir, ".nexus-vertical-probe.tmp")
	require.NoError(t, os.WriteFile(tmp, data, 0o755))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "nexus-vertical-probe")))
}
