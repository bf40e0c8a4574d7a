// Package hostcall serves the host callbacks through which a vertical
// reaches its data, identically for the host's plugin runtime and for
// sdk/sdktest: preparing the vertical's data when it registers (its
// manifest's migrations applied into its schema with the host's migrator,
// its catalog, state machines and named queries), running its DB calls in
// a request's unit of work with the DAL, checking the events it publishes,
// and idempotency keys (claimed, answered and pruned here only). It must
// not depend on host-private packages, open pools of
// its own or know about HTTP.
package hostcall

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Data is what a registered vertical may touch in the database: its
// schema's catalog (with state machines) and its prepared named queries.
type Data struct {
	Schema  string
	Catalog *dal.Catalog
	Queries dal.Queries
}

// SchemaName is the PostgreSQL schema holding a vertical's tables.
func SchemaName(vertical string) string { return strings.ReplaceAll(vertical, "-", "_") }

// Component is the vertical's migrations as the migrator applies and
// reverts them: named after the vertical, in its schema (SchemaName).
func Component(man *nexusv1.Manifest) migrate.Component {
	comp := migrate.Component{Name: man.GetName(), Schema: SchemaName(man.GetName())}
	for _, mg := range man.GetMigrations() {
		comp.Migrations = append(comp.Migrations, migration.Migration{
			Version: int(mg.GetVersion()), Name: mg.GetName(), Up: mg.GetUp(), Down: mg.GetDown(),
		})
	}
	return comp
}

// Prepare applies the vertical's migrations into its schema (with
// row-level security on every company_id table), loads the catalog,
// installs the state machines, fences the vertical in its own database
// role (migrate.FenceVertical: its schema's tenant tables only, state
// columns defaulting to the initial state and written only by the host's
// transitions) and prepares the named
// queries. The vertical's named queries and pipelined operations then run
// as that role (dal.Catalog.SetRole); the host's own statements in the
// unit keep the tenant role. Any failure
// refuses the vertical: its manifest does not fit the database. A nil log
// discards messages.
func Prepare(ctx context.Context, pool *pgxpool.Pool, man *nexusv1.Manifest, log hclog.Logger) (*Data, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	d := &Data{Schema: SchemaName(man.GetName())}
	comp := Component(man)
	if len(comp.Migrations) > 0 {
		applied, err := migrate.NewMigrator(pool, log.Named("migrate")).Up(ctx, comp)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		if len(applied) > 0 {
			log.Info("applied vertical migrations", "vertical", man.GetName(), "versions", applied)
		}
	}
	cat, err := dal.LoadCatalog(ctx, pool, d.Schema)
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
	states := make([]migrate.StateColumn, len(machines))
	for i, m := range machines {
		states[i] = migrate.StateColumn{Table: m.Table, Column: m.Column, Initial: m.Initial}
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return migrate.FenceVertical(ctx, tx, d.Schema, states)
	})
	if err != nil {
		return nil, fmt.Errorf("database role: %w", err)
	}
	cat.SetRole(migrate.VerticalRole(d.Schema))
	d.Catalog = cat
	queries := make(map[string]string, len(man.GetQueries()))
	for _, q := range man.GetQueries() {
		if _, dup := queries[q.GetName()]; dup {
			return nil, fmt.Errorf("named query %q declared twice", q.GetName())
		}
		queries[q.GetName()] = q.GetSql()
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		d.Queries, err = dal.PrepareQueries(ctx, tx, d.Schema, queries)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("named queries: %w", err)
	}
	return d, nil
}

// DB serves a DB callback: it runs req's operations in u, the call's unit
// of work (a tenant unit for actor.CompanyID, see dal.NewTenantUnit), and
// answers their results, or the failure as a gRPC status (dal.Status).
// Failures that are not the vertical's doing are logged with requestID.
func (d *Data) DB(ctx context.Context, u *dal.Unit, actor dal.Actor, req *nexusv1.DBRequest, log hclog.Logger, requestID string) (*nexusv1.DBResponse, error) {
	var results []*nexusv1.DBResult
	err := u.Run(ctx, func(tx pgx.Tx) error {
		var err error
		results, err = dal.Exec(ctx, tx, d.Catalog, d.Queries, actor, req.GetOps())
		return err
	})
	if err != nil {
		if dal.AsError(err).Kind == kind.Internal {
			log.Error("data operation failed", "request_id", requestID, "error", err)
		}
		return nil, dal.Status(err)
	}
	return &nexusv1.DBResponse{Results: results}, nil
}

// CheckEvents refuses, with an Invalid status (invalid_topic,
// invalid_event_id), events that vertical may not publish: a topic outside
// its namespace ("<vertical>.") or an id that is not a UUID.
func CheckEvents(vertical string, evs []*nexusv1.OutEvent) error {
	for _, ev := range evs {
		if !strings.HasPrefix(ev.GetTopic(), vertical+".") {
			return dal.Status(&dal.Error{Kind: kind.Invalid, Reason: "invalid_topic",
				Message: fmt.Sprintf("topic %q must start with %q", ev.GetTopic(), vertical+".")})
		}
		if id := ev.GetId(); id != "" {
			if _, err := uuid.Parse(id); err != nil {
				return dal.Status(&dal.Error{Kind: kind.Invalid, Reason: "invalid_event_id",
					Message: fmt.Sprintf("event id %q is not a UUID", id)})
			}
		}
	}
	return nil
}
