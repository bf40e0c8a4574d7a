package scaffold_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/scaffold"
)

// repoRoot is the root of this checkout (the test runs in
// host/internal/scaffold).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "sdk", "go.mod"))
	return root
}

// TestNewVerticalBuildsAndPassesItsTests writes a vertical into a
// directory outside the repository, as a module of its own that takes the
// SDK from this checkout, and runs go vet and its tests (on the real
// PostgreSQL, through sdktest), its migrations' reversibility included.
func TestNewVerticalBuildsAndPassesItsTests(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "parcels")
	res, err := scaffold.Vertical(scaffold.Options{Name: "parcels", Dir: dir, Module: "example.com/parcels", SDKDir: repoRoot(t)})
	require.NoError(t, err)
	require.True(t, res.OwnModule)
	files := res.Files
	for _, want := range []string{"vertical.go", "orders.go", "parcels_test.go", "migrations_test.go", "README.md", "go.mod",
		"migrations/0001_orders.up.sql", "migrations/0001_orders.down.sql", "cmd/nexus-vertical-parcels/main.go"} {
		require.Contains(t, files, want)
		require.FileExists(t, filepath.Join(dir, want))
	}
	main, err := os.ReadFile(filepath.Join(dir, "cmd/nexus-vertical-parcels/main.go"))
	require.NoError(t, err)
	require.Contains(t, string(main), `"example.com/parcels"`)

	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	for _, args := range [][]string{
		{"mod", "tidy"},
		{"vet", "./..."},
		{"build", "-o", filepath.Join(t.TempDir(), "nexus-vertical-parcels"), "./cmd/nexus-vertical-parcels"},
		{"test", "-count=1", "-v", "./..."},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		if args[0] == "test" {
			require.Contains(t, string(out), "ok  \texample.com/parcels\t", "the vertical's tests ran:\n%s", out)
			require.Contains(t, string(out), "--- PASS: TestMigrationsReversible", "the migrations go up, down and up again:\n%s", out)
		}
	}
}

func TestNewVerticalInsideAModule(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/platform\n\ngo 1.26\n"), 0o644))
	dir := filepath.Join(root, "plugins", "rentals")
	res, err := scaffold.Vertical(scaffold.Options{Name: "rentals", Dir: dir})
	require.NoError(t, err)
	require.NotContains(t, res.Files, "go.mod", "inside a module the vertical is a package of it")
	require.False(t, res.OwnModule)
	main, err := os.ReadFile(filepath.Join(dir, "cmd/nexus-vertical-rentals/main.go"))
	require.NoError(t, err)
	require.Contains(t, string(main), `"example.com/platform/plugins/rentals"`)
	vertical, err := os.ReadFile(filepath.Join(dir, "vertical.go"))
	require.NoError(t, err)
	require.Contains(t, string(vertical), "package rentals")
	require.Contains(t, string(vertical), `FROM rentals.orders`)
}

// TestNewVerticalInANexusWorkspace: in a checkout whose SDK is a module of
// its own, the vertical is a module of the workspace taking the SDK and the
// core from the checkout.
func TestNewVerticalInANexusWorkspace(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":     "module github.com/nexuspos/nexus\n\ngo 1.26\n",
		"go.work":    "go 1.26\n\nuse (\n\t.\n\t./sdk\n)\n",
		"sdk/go.mod": "module github.com/nexuspos/nexus/sdk\n\ngo 1.26\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(text), 0o644))
	}
	res, err := scaffold.Vertical(scaffold.Options{Name: "rentals", Dir: filepath.Join(root, "plugins", "rentals")})
	require.NoError(t, err)
	require.True(t, res.OwnModule)
	require.Equal(t, root, res.Workspace)
	mod, err := os.ReadFile(filepath.Join(root, "plugins", "rentals", "go.mod"))
	require.NoError(t, err)
	require.Equal(t, "module github.com/nexuspos/nexus/plugins/rentals\n\ngo 1.26\n\n"+
		"require github.com/nexuspos/nexus/sdk v0.0.0-00010101000000-000000000000\n\n"+
		"replace github.com/nexuspos/nexus/sdk => ../../sdk\n\nreplace github.com/nexuspos/nexus => ../..\n", string(mod))
	main, err := os.ReadFile(filepath.Join(root, "plugins", "rentals", "cmd", "nexus-vertical-rentals", "main.go"))
	require.NoError(t, err)
	require.Contains(t, string(main), `"github.com/nexuspos/nexus/plugins/rentals"`)
}

func TestNewVerticalRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "x"), nil, 0o644))
	for name, o := range map[string]scaffold.Options{
		"upper case":      {Name: "Tickets", Dir: t.TempDir()},
		"dash":            {Name: "my-tickets", Dir: t.TempDir()},
		"leading digit":   {Name: "1tickets", Dir: t.TempDir()},
		"Go keyword":      {Name: "type", Dir: t.TempDir()},
		"imported name":   {Name: "sdk", Dir: t.TempDir()},
		"empty":           {Name: "", Dir: t.TempDir()},
		"non-empty dir":   {Name: "tickets", Dir: full},
		"too long a name": {Name: strings.Repeat("a", 31), Dir: t.TempDir()},
	} {
		_, err := scaffold.Vertical(o)
		require.Error(t, err, name)
	}
	entries, err := os.ReadDir(full)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing written into a non-empty directory")
}
