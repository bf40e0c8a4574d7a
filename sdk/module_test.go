package sdk_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// outsideVertical is a vertical as another repository would hold it: one
// route, and a test running it with sdktest.WithDatabase (the host's DAL,
// migrator and tenancy rules).
var outsideVertical = map[string]string{
	"main.go": `package main

import (
	"net/http"

	"github.com/nexuspos/nexus/sdk"
)

func main() { sdk.Serve(Tickets{}) }

// Tickets is a vertical living outside the Nexus repository.
type Tickets struct{}

// Manifest declares one route.
func (Tickets) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "tickets", Version: "0.1.0", Routes: []sdk.Route{
		sdk.GET("/whoami", sdk.RoleViewer, "The caller's company", func(c *sdk.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"company_id": c.Principal().CompanyID})
		}),
	}}
}
`,
	"main_test.go": `package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nexuspos/nexus/sdk/sdktest"
)

func TestWhoami(t *testing.T) {
	h := sdktest.New(t, Tickets{}, sdktest.WithDatabase())
	res := h.Do(http.MethodGet, "/whoami", "")
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), h.Company().ID) {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
}
`,
}

// TestVerticalOutsideTheRepository builds and tests a vertical in a
// directory outside this repository whose go.mod requires the SDK module
// alone (a replace points it at this tree, as a published version would),
// without the workspace, and checks that its go.sum names no module only
// the host needs.
func TestVerticalOutsideTheRepository(t *testing.T) {
	t.Parallel()
	sdkDir, err := os.Getwd()
	require.NoError(t, err)
	rootDir := filepath.Dir(sdkDir)

	hostOnly := hostOnlyModules(t, rootDir, sdkDir)
	for _, m := range []string{"github.com/go-chi/chi/v5", "github.com/rabbitmq/amqp091-go", "github.com/redis/go-redis/v9"} {
		require.Contains(t, hostOnly, m, "the host's own dependencies")
	}

	dir := t.TempDir()
	goMod := "module example.com/acme/tickets\n\ngo 1.26.8\n\n" +
		"require github.com/nexuspos/nexus/sdk v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/nexuspos/nexus/sdk => " + sdkDir + "\n\n" +
		"replace github.com/nexuspos/nexus => " + rootDir + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	for name, src := range outsideVertical {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "build", "-o", filepath.Join(dir, "nexus-vertical-tickets"), ".")
	goCmd(t, dir, "test", "-count=1", "./...")

	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	require.NoError(t, err)
	var modules []string
	for line := range strings.Lines(string(sum)) {
		if f := strings.Fields(line); len(f) > 0 && !slices.Contains(modules, f[0]) {
			modules = append(modules, f[0])
		}
	}
	require.Contains(t, modules, "github.com/hashicorp/go-plugin", "go.sum lists the SDK's dependencies")
	for _, m := range modules {
		require.NotContains(t, hostOnly, m, "go.sum of a vertical outside the repository names a module only the host needs")
	}
}

// hostOnlyModules lists the modules the host module requires (its go.mod
// names every module it builds or tests with) that neither the SDK module
// nor the root module requires. It reads the go.mod files only, so it
// changes no go.sum.
func hostOnlyModules(t *testing.T, rootDir, sdkDir string) []string {
	t.Helper()
	shared := append(requirements(t, sdkDir), requirements(t, rootDir)...)
	var out []string
	for _, m := range requirements(t, filepath.Join(rootDir, "host")) {
		if !slices.Contains(shared, m) {
			out = append(out, m)
		}
	}
	return out
}

// requirements lists the modules the go.mod in dir requires.
func requirements(t *testing.T, dir string) []string {
	t.Helper()
	var mod struct{ Require []struct{ Path string } }
	require.NoError(t, json.Unmarshal([]byte(goCmd(t, dir, "mod", "edit", "-json")), &mod))
	var out []string
	for _, r := range mod.Require {
		out = append(out, r.Path)
	}
	return out
}

// goCmd runs the go command in dir outside any workspace, resolving modules
// through the environment's GOPROXY, and returns its output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, out)
	return string(out)
}
