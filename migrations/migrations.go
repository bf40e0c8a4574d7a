// Package migrations embeds the host's SQL migrations, named
// NNNN_name.up.sql and NNNN_name.down.sql. It owns only the SQL text: the
// store package loads and applies it, and nothing here may run SQL itself.
package migrations

import "embed"

// FS holds every host migration file.
//
//go:embed *.sql
var FS embed.FS
