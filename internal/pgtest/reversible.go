package pgtest

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/migrate"
)

// MigrationsReversible checks every migration of c on pool's database: it
// applies them one at a time, recording the catalog (Catalog: tables,
// columns, constraints, indexes, policies, grants...) after each; then
// reverts them one at a time, newest first, and checks that each down
// migration leaves exactly the catalog from before its up; then applies
// them all again and checks the catalog is the one of the first pass. A
// migration without a down, or whose down leaves anything behind or takes
// too much away, fails the test naming it. c's migrations must not be
// applied yet (the host's must be, for a vertical).
func MigrationsReversible(t testing.TB, pool *pgxpool.Pool, c migrate.Component) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*timeout)
	defer cancel()
	m := migrate.NewMigrator(pool, nil)
	for _, mg := range c.Migrations {
		if mg.Down == "" {
			t.Fatalf("pgtest: %s migration %04d_%s has no down migration", c.Name, mg.Version, mg.Name)
		}
	}
	upTo := func(n int) {
		t.Helper()
		part := c
		part.Migrations = c.Migrations[:n]
		if _, err := m.Up(ctx, part); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	upTo(0) // schema_migrations and the component's schema, as before any migration
	catalogs := [][]string{Catalog(t, pool)}
	for i := range c.Migrations {
		upTo(i + 1)
		catalogs = append(catalogs, Catalog(t, pool))
	}
	for i := len(c.Migrations) - 1; i >= 0; i-- {
		mg := c.Migrations[i]
		if _, err := m.Down(ctx, c, 1); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		if got := Catalog(t, pool); !slices.Equal(got, catalogs[i]) {
			t.Fatalf("pgtest: %s %04d_%s: the down migration does not restore the schema before its up:\n%s",
				c.Name, mg.Version, mg.Name, catalogDiff(catalogs[i], got))
		}
	}
	upTo(len(c.Migrations))
	if got := Catalog(t, pool); !slices.Equal(got, catalogs[len(c.Migrations)]) {
		t.Fatalf("pgtest: %s: up, down and up again does not give the schema of the first up:\n%s",
			c.Name, catalogDiff(catalogs[len(c.Migrations)], got))
	}
}

// catalogDiff lists the lines only want has (-) and only got has (+).
func catalogDiff(want, got []string) string {
	var out string
	for _, l := range want {
		if !slices.Contains(got, l) {
			out += "- " + l + "\n"
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			out += "+ " + l + "\n"
		}
	}
	return out
}
