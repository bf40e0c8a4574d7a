package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// CurrentLink is the symlink under Config.Root that names the live release.
const CurrentLink = "current"

// ReleasesDir is the directory under Config.Root holding one directory per
// release.
const ReleasesDir = "releases"

// shell runs command with sh -c in dir, its output going to out, and
// extra variables added to env.
func shell(ctx context.Context, dir, command string, env []string, out io.Writer, extra ...string) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, append(append([]string(nil), env...), extra...), out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%q: %w", command, err)
	}
	return nil
}

// git runs git in dir and returns its trimmed output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// checkTree refuses a work tree with changes (untracked files included:
// a build would take them in) or on another branch than branch, and
// returns the commit checked out.
func checkTree(ctx context.Context, dir, branch string) (string, error) {
	status, err := git(ctx, dir, "status", "--porcelain")
	if err != nil {
		return "", err
	}
	if status != "" {
		return "", fmt.Errorf("%s has uncommitted changes; commit or remove them first:\n%s", dir, status)
	}
	head, err := git(ctx, dir, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		return "", fmt.Errorf("%s has no branch checked out (detached HEAD); deploys come from %s", dir, branch)
	}
	if head != branch {
		return "", fmt.Errorf("%s is on branch %s; deploys come from %s", dir, head, branch)
	}
	return git(ctx, dir, "rev-parse", "--short=12", "HEAD")
}

// newRelease copies the built bin/nexus and bin/plugins of src into a new
// directory releases/<UTC time>-<commit> under root and returns it.
func newRelease(root, src, commit string, now time.Time) (string, error) {
	dir := filepath.Join(root, ReleasesDir, now.UTC().Format("20060102T150405Z")+"-"+commit)
	if _, err := os.Stat(filepath.Join(src, "bin", "nexus")); err != nil {
		return "", fmt.Errorf("the build wrote no bin/nexus: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin", "plugins"), 0o755); err != nil {
		return dir, err
	}
	if err := copyExecutable(filepath.Join(src, "bin", "nexus"), filepath.Join(dir, "bin", "nexus")); err != nil {
		return dir, err
	}
	entries, err := os.ReadDir(filepath.Join(src, "bin", "plugins"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dir, err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyExecutable(filepath.Join(src, "bin", "plugins", e.Name()), filepath.Join(dir, "bin", "plugins", e.Name())); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}

// current returns the release directory the current symlink names, or ""
// when there is none yet.
func current(root string) (string, error) {
	target, err := os.Readlink(filepath.Join(root, CurrentLink))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(root, target)
	}
	return target, nil
}

// point makes the current symlink name release, atomically (a new link
// renamed over the old one); "" removes it.
func point(root, release string) error {
	link := filepath.Join(root, CurrentLink)
	if release == "" {
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	rel, err := filepath.Rel(root, release)
	if err != nil {
		return err
	}
	tmp := link + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}
