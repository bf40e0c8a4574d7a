package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewVerticalCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"plugin", "x"}, {"vertical"}, {"vertical", "--dir", "x"}, {"vertical", "x", "extra"}} {
		require.Error(t, newCmd(&bytes.Buffer{}, args), "%v", args)
	}
	dir := filepath.Join(t.TempDir(), "rentals")
	var out bytes.Buffer
	// Outside any module: a module of its own, taking the SDK from this
	// checkout, its requirements resolved by go mod tidy.
	require.NoError(t, newCmd(&out, []string{"vertical", "rentals", "--dir", dir, "--sdk", "../../.."}), out.String())
	require.Contains(t, out.String(), "wrote vertical rentals to "+dir)
	require.FileExists(t, filepath.Join(dir, "cmd", "nexus-vertical-rentals", "main.go"))
	require.FileExists(t, filepath.Join(dir, "go.sum"), "go mod tidy ran")
	require.Error(t, newCmd(&bytes.Buffer{}, []string{"vertical", "rentals", "--dir", dir}), "an existing vertical is not overwritten")
}
