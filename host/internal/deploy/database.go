package deploy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// applied is the set of migrations schema_migrations records: component →
// versions.
type applied map[string][]int

// readApplied reads schema_migrations (empty when the table does not
// exist yet).
func readApplied(ctx context.Context, url string) (applied, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var exists bool
	if err := conn.QueryRow(ctx, migrationsTableExistsSQL).Scan(&exists); err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	out := applied{}
	if !exists {
		return out, nil
	}
	rows, err := conn.Query(ctx, appliedMigrationsSQL)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	var component string
	var version int
	_, err = pgx.ForEachRow(rows, []any{&component, &version}, func() error {
		out[component] = append(out[component], version)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	return out, nil
}

// since returns, per component, how many migrations a has that before has
// not; they are the newest ones, as the migrator applies in order.
func (a applied) since(before applied) map[string]int {
	out := map[string]int{}
	for comp, versions := range a {
		for _, v := range versions {
			if !slices.Contains(before[comp], v) {
				out[comp]++
			}
		}
	}
	return out
}

// setAside renames the database of url to <name>_failed_<UTC time>, so
// that a backup can be restored under its name while what the failed
// release wrote stays at hand; it returns the new name.
func setAside(ctx context.Context, url string, now time.Time) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("database url: %w", err)
	}
	name := cfg.Database
	suffix := "_failed_" + now.UTC().Format("20060102T150405")
	aside := name
	if len(aside)+len(suffix) > 63 { // PostgreSQL's identifier limit
		aside = aside[:63-len(suffix)]
	}
	aside += suffix
	cfg.Database = maintenanceDB
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("connect to %q: %w", maintenanceDB, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, fmt.Sprintf(renameDatabaseSQL, pgx.Identifier{name}.Sanitize(), pgx.Identifier{aside}.Sanitize())); err != nil {
		return "", fmt.Errorf("rename database %s to %s: %w", name, aside, err)
	}
	return aside, nil
}
