package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Files a backup directory holds.
const (
	// DumpFile is the pg_dump archive (custom format).
	DumpFile = "nexus.dump"
	// ManifestFile describes the archive (Manifest, JSON).
	ManifestFile = "manifest.json"
)

// ManifestFormat is the version of the manifest's layout this package
// writes and reads.
const ManifestFormat = 1

// HostComponent is the component name of the host's migrations in
// schema_migrations; every other component is a vertical.
const HostComponent = "host"

// Manifest describes a backup.
type Manifest struct {
	Format       int       `json:"format"`
	NexusVersion string    `json:"nexus_version"`
	CreatedAt    time.Time `json:"created_at"`
	// Database is the name of the database backed up, and ServerVersion
	// the PostgreSQL server's version.
	Database      string `json:"database"`
	ServerVersion string `json:"server_version"`
	// PgDump is the version line of the pg_dump that wrote the archive.
	PgDump string `json:"pg_dump"`
	Dump   File   `json:"dump"`
	// HostSchemaVersion is the newest host migration applied.
	HostSchemaVersion int         `json:"host_schema_version"`
	Verticals         []Vertical  `json:"verticals"`
	Migrations        []Migration `json:"migrations"`
	// Tables holds every table's row count in the backed-up snapshot.
	Tables []Table `json:"tables"`
}

// File is a file of the backup with its size and SHA-256 (hex).
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Vertical is a vertical whose migrations the database carries.
type Vertical struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
	// Role is the vertical's database role (cluster-wide: restored by
	// Restore before the grants that name it).
	Role string `json:"role"`
	// SchemaVersion is the newest migration applied.
	SchemaVersion int `json:"schema_version"`
}

// Migration is an applied migration, as schema_migrations records it.
type Migration struct {
	Component string    `json:"component"`
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	Checksum  string    `json:"checksum"`
	AppliedAt time.Time `json:"applied_at"`
}

// Table is a table and its row count.
type Table struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Format != ManifestFormat {
		return m, fmt.Errorf("manifest %s: format %d, this nexus reads format %d", filepath.Join(dir, ManifestFile), m.Format, ManifestFormat)
	}
	return m, nil
}

// write stores m in dir.
func (m Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// describeFile returns the size and SHA-256 of dir/name.
func describeFile(dir, name string) (File, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", name, err)
	}
	return File{Name: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// VerifyDump checks that the archive in dir has the size and SHA-256 the
// manifest records.
func (m Manifest) VerifyDump(dir string) error {
	got, err := describeFile(dir, m.Dump.Name)
	if err != nil {
		return fmt.Errorf("verify archive: %w", err)
	}
	if got != m.Dump {
		return fmt.Errorf("%w: %s has %d bytes, SHA-256 %s; the manifest records %d bytes, SHA-256 %s",
			ErrChecksum, got.Name, got.Bytes, got.SHA256, m.Dump.Bytes, m.Dump.SHA256)
	}
	return nil
}
