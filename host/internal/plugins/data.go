package plugins

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migration"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// data is what a registered vertical may touch in the database: its schema's
// catalog (with state machines) and its prepared named queries.
type data struct {
	schema  string
	catalog *dal.Catalog
	queries dal.Queries
}

// SchemaName is the PostgreSQL schema holding a vertical's tables.
func SchemaName(vertical string) string { return strings.ReplaceAll(vertical, "-", "_") }

// prepareData applies the vertical's migrations into its schema (with
// row-level security on every company_id table), loads the catalog,
// installs the state machines and prepares the named queries. Any failure
// refuses the vertical: its manifest does not fit the database.
func (m *Manager) prepareData(ctx context.Context, man *nexusv1.Manifest) (*data, error) {
	d := &data{schema: SchemaName(man.GetName())}
	comp := store.Component{Name: man.GetName(), Schema: d.schema}
	for _, mg := range man.GetMigrations() {
		comp.Migrations = append(comp.Migrations, migration.Migration{
			Version: int(mg.GetVersion()), Name: mg.GetName(), Up: mg.GetUp(), Down: mg.GetDown(),
		})
	}
	if len(comp.Migrations) > 0 {
		applied, err := store.NewMigrator(m.cfg.Pool, m.log.Named("migrate")).Up(ctx, comp)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		if len(applied) > 0 {
			m.log.Info("applied vertical migrations", "vertical", man.GetName(), "versions", applied)
		}
	}
	cat, err := dal.LoadCatalog(ctx, m.cfg.Pool, d.schema)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var machines []dal.StateMachine
	for _, sm := range man.GetStateMachines() {
		dm := dal.StateMachine{Table: sm.GetTable(), Column: sm.GetColumn(), Initial: sm.GetInitial()}
		for _, t := range sm.GetTransitions() {
			dm.Transitions = append(dm.Transitions, dal.Transition{
				From: t.GetFrom(), Event: t.GetEvent(), To: t.GetTo(), MinRole: t.GetMinRole(),
			})
		}
		machines = append(machines, dm)
	}
	if err := cat.SetStateMachines(machines); err != nil {
		return nil, fmt.Errorf("state machines: %w", err)
	}
	d.catalog = cat
	queries := make(map[string]string, len(man.GetQueries()))
	for _, q := range man.GetQueries() {
		if _, dup := queries[q.GetName()]; dup {
			return nil, fmt.Errorf("named query %q declared twice", q.GetName())
		}
		queries[q.GetName()] = q.GetSql()
	}
	err = pgx.BeginFunc(ctx, m.cfg.Pool, func(tx pgx.Tx) error {
		d.queries, err = dal.PrepareQueries(ctx, tx, d.schema, queries)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("named queries: %w", err)
	}
	return d, nil
}
