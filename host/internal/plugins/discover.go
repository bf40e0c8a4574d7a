package plugins

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BinaryPrefix starts the file name of every vertical plugin executable.
const BinaryPrefix = "nexus-vertical-"

// Binary is a discovered plugin executable.
type Binary struct {
	// Name is the vertical's name: the file name without BinaryPrefix.
	Name string
	Path string
}

// Discover lists the executables named nexus-vertical-<name> in dir, sorted
// by name. A missing directory holds no plugins.
func Discover(dir string) ([]Binary, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("discover plugins in %s: %w", dir, err)
	}
	var out []Binary
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), BinaryPrefix)
		if !ok || name == "" || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			continue
		}
		path, err := filepath.Abs(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("discover plugins: %w", err)
		}
		out = append(out, Binary{Name: name, Path: path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LoadLock reads a plugins.lock file in sha256sum format: one line per
// plugin, "<sha256 hex>  <file or vertical name>". It returns nil, nil when
// the file does not exist (no pinning).
func LoadLock(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plugins lock: %w", err)
	}
	defer f.Close()
	lock := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("plugins lock %s:%d: want \"<sha256>  <name>\"", path, n)
		}
		sum, err := hex.DecodeString(fields[0])
		if err != nil || len(sum) != 32 {
			return nil, fmt.Errorf("plugins lock %s:%d: %q is not a sha256 hex digest", path, n, fields[0])
		}
		name := strings.TrimPrefix(filepath.Base(strings.TrimPrefix(fields[1], "*")), BinaryPrefix)
		lock[name] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("plugins lock: %w", err)
	}
	return lock, nil
}
