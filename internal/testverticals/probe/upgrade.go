package probe

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

// upgrade names a faulty release of the probe that deploy tests build
// (-ldflags "-X github.com/nexuspos/nexus/internal/testverticals/probe.upgrade=NAME"):
//
//	broken-migration  adds migration 0003 (a column) and 0004, which fails
//	                  (an index on a column notes does not have)
//	bad-query         its named query all_notes names a column notes does
//	                  not have: describing it works, but the host refuses
//	                  it when it registers, so a host never becomes ready
var upgrade = ""

//go:embed upgrade/*.sql
var upgradeMigrations embed.FS

// releaseMigrations returns the migrations of the probe's release.
func releaseMigrations() fs.FS {
	if upgrade != "broken-migration" {
		return migrations
	}
	all := fstest.MapFS{}
	for _, src := range []struct {
		fsys fs.FS
		dir  string
	}{{migrations, "migrations"}, {upgradeMigrations, "upgrade"}} {
		sub, err := fs.Sub(src.fsys, src.dir)
		if err != nil {
			panic(err)
		}
		names, err := fs.Glob(sub, "*.sql")
		if err != nil {
			panic(err)
		}
		for _, name := range names {
			data, err := fs.ReadFile(sub, name)
			if err != nil {
				panic(err)
			}
			all[name] = &fstest.MapFile{Data: data}
		}
	}
	return all
}

// releaseQueries returns the named queries of the probe's release.
func releaseQueries() map[string]string {
	if upgrade == "bad-query" {
		return map[string]string{"all_notes": "SELECT id, body, amount, no_such_column FROM notes ORDER BY created_at"}
	}
	// all_notes deliberately omits the company filter: row-level
	// security must still confine it to the caller's company.
	return map[string]string{"all_notes": "SELECT id, body, amount FROM notes ORDER BY created_at"}
}
