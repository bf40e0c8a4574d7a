package migration_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/migration"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []migration.Migration
		wantErr string
	}{
		{
			name: "ordered by version, other files ignored",
			fsys: fstest.MapFS{
				"0010_later.up.sql":    file("up10"),
				"0010_later.down.sql":  file("down10"),
				"0002_second.up.sql":   file("up2"),
				"0002_second.down.sql": file("down2"),
				"README.md":            file("notes"),
				"sub/0001_x.up.sql":    file("ignored"),
			},
			want: []migration.Migration{
				{Version: 2, Name: "second", Up: "up2", Down: "down2"},
				{Version: 10, Name: "later", Up: "up10", Down: "down10"},
			},
		},
		{name: "empty", fsys: fstest.MapFS{}, want: []migration.Migration{}},
		{
			name:    "down missing",
			fsys:    fstest.MapFS{"0001_a.up.sql": file("up")},
			wantErr: "0001_a needs non-empty .up.sql and .down.sql files",
		},
		{
			name:    "empty up",
			fsys:    fstest.MapFS{"0001_a.up.sql": file(""), "0001_a.down.sql": file("down")},
			wantErr: "0001_a needs non-empty",
		},
		{
			name: "two names for one version",
			fsys: fstest.MapFS{
				"0001_a.up.sql": file("up"), "0001_a.down.sql": file("down"),
				"0001_b.up.sql": file("up"), "0001_b.down.sql": file("down"),
			},
			wantErr: `version 1 has two names, "a" and "b"`,
		},
		{name: "badly named", fsys: fstest.MapFS{"1-init.sql": file("x")}, wantErr: `"1-init.sql" is not named`},
		{name: "upper case name", fsys: fstest.MapFS{"0001_Init.up.sql": file("x")}, wantErr: "is not named"},
		{name: "version zero", fsys: fstest.MapFS{"0000_a.up.sql": file("x")}, wantErr: "version must be a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := migration.Load(tt.fsys)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
