package main

import (
	"flag"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/nexuspos/nexus/host/internal/scaffold"
)

// newCmd runs `nexus new vertical NAME [--dir DIR] [--module M] [--sdk DIR]`.
func newCmd(out io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "vertical" {
		return fmt.Errorf("usage: nexus new vertical NAME [--dir DIR] [--module PATH] [--sdk DIR]")
	}
	fs := flag.NewFlagSet("new vertical", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := fs.String("dir", "", "directory to write the vertical to (default plugins/NAME)")
	module := fs.String("module", "", "module path of a vertical outside any Go module (default NAME)")
	sdk := fs.String("sdk", "", "local Nexus checkout to use the SDK from, for a vertical outside any Go module")
	rest := args[1:]
	if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
		return fmt.Errorf("usage: nexus new vertical NAME [--dir DIR] [--module PATH] [--sdk DIR]")
	}
	name := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if *dir == "" {
		*dir = filepath.Join("plugins", name)
	}
	if *sdk != "" {
		abs, err := filepath.Abs(*sdk)
		if err != nil {
			return err
		}
		*sdk = abs
	}
	res, err := scaffold.Vertical(scaffold.Options{Name: name, Dir: *dir, Module: *module, SDKDir: *sdk})
	if err != nil {
		return fmt.Errorf("new vertical: %w", err)
	}
	fmt.Fprintf(out, "wrote vertical %s to %s:\n", name, *dir)
	for _, f := range res.Files {
		fmt.Fprintf(out, "  %s\n", f)
	}
	if res.Workspace != "" {
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return err
		}
		if err := goCmd(out, res.Workspace, "work", "use", abs); err != nil {
			return err
		}
	}
	if res.OwnModule {
		if err := goCmd(out, *dir, "mod", "tidy"); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "next: (cd %s && go test ./...) ; make plugins ; NEXUS_ENV=dev make run\n", filepath.ToSlash(*dir))
	return nil
}

// goCmd runs the go command in dir, for a vertical that is a module of its
// own (joining the workspace, resolving its requirements).
func goCmd(out io.Writer, dir string, args ...string) error {
	fmt.Fprintf(out, "go %s\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s in %s: %w", strings.Join(args, " "), dir, err)
	}
	return nil
}
