package backup

import "errors"

// Errors Restore returns, wrapped with what was found.
var (
	// ErrChecksum: the archive is not the one the manifest describes.
	ErrChecksum = errors.New("archive does not match its manifest")
	// ErrNotEmpty: the target database already holds objects.
	ErrNotEmpty = errors.New("target database is not empty")
	// ErrUnknownMigration: the backup carries a host migration this nexus
	// does not have, or has with other content (a backup of a newer or
	// different version).
	ErrUnknownMigration = errors.New("backup has a host migration this nexus does not know")
	// ErrMismatch: the restored database differs from the manifest.
	ErrMismatch = errors.New("restored database differs from the manifest")
)
