// Package migration reads numbered SQL migrations (NNNN_name.up.sql and
// NNNN_name.down.sql) from a file system. The host's migrator and the SDK
// (which ships a vertical's migrations in its manifest) share it; it runs
// no SQL.
package migration

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var migrationFile = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.(up|down)\.sql$`)

// Migration is one numbered schema change and its inverse.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// Checksum is the hex SHA-256 of m.Up, recorded when m is applied so a
// later edit of an applied migration is detected.
func (m Migration) Checksum() string {
	sum := sha256.Sum256([]byte(m.Up))
	return hex.EncodeToString(sum[:])
}

// Load reads the migrations at the root of fsys, named
// NNNN_name.up.sql and NNNN_name.down.sql, and returns them ordered by
// version. Every version needs both files and one name; any other .sql
// file is an error, other files are ignored.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		parts := migrationFile.FindStringSubmatch(e.Name())
		if parts == nil {
			return nil, fmt.Errorf("load migrations: %q is not named NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		version, err := strconv.Atoi(parts[1])
		if err != nil || version < 1 {
			return nil, fmt.Errorf("load migrations: %q: version must be a positive number", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("load migrations: %w", err)
		}
		m := byVersion[version]
		if m == nil {
			m = &Migration{Version: version, Name: parts[2]}
			byVersion[version] = m
		}
		if m.Name != parts[2] {
			return nil, fmt.Errorf("load migrations: version %d has two names, %q and %q", version, m.Name, parts[2])
		}
		if parts[3] == "up" {
			m.Up = string(body)
		} else {
			m.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("load migrations: %04d_%s needs non-empty .up.sql and .down.sql files", m.Version, m.Name)
		}
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}
