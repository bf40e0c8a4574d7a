package dal

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/internal/migrate"
)

// NewBulkTenantUnit is NewTenantUnit for loading generated data in bulk
// (CopyRows): its transaction commits without waiting for the WAL flush (a
// failed load is simply run again), and when the connecting role is a
// superuser it skips triggers, foreign-key checks included, for its
// lifetime — the loader answers for the consistency of its rows.
// Row-level security, grants and check constraints still hold.
func NewBulkTenantUnit(db Beginner, companyID uuid.UUID, schema string) *Unit {
	return &Unit{start: tenantStart(db, companyID, schema, []string{bulkSettingsSQL})}
}

// CopyRows loads data, rows of columns of table in PostgreSQL's COPY text
// format, into the catalog's schema for companyID (the company of tx, a
// tenant transaction as NewTenantUnit or NewBulkTenantUnit begins), and
// returns how many rows it wrote. The host sets company_id, so columns
// must not name it; every other column must be one of the table's, once,
// and not generated. PostgreSQL does not run COPY into a table under
// row-level security, so the rows go into a temporary table first and
// then into table with one INSERT ... SELECT, run as the catalog's role
// (SetRole): the vertical's grants and row-level security apply as to any
// of its writes. A state-machine column may be loaded (a seeded
// consignment that was sent long ago) with states of its machine only;
// such a table is written as migrate.TenantRole, which alone may write
// state columns. Bad input fails with an Invalid Error.
func CopyRows(ctx context.Context, tx pgx.Tx, cat *Catalog, companyID uuid.UUID, table string, columns []string, data []byte) (int64, error) {
	t, err := cat.table(table)
	if err != nil {
		return 0, err
	}
	if len(columns) == 0 {
		return 0, invalid(ReasonInvalidArgument, "copy into %q: no columns", table).with("table", table)
	}
	managed := false
	quoted := make([]string, len(columns))
	for i, name := range columns {
		col, err := t.column(name)
		switch {
		case err != nil:
			return 0, err
		case name == colCompany:
			return 0, invalid(ReasonReadOnlyColumn, "copy into %q: company_id is the call's company; leave it out", table).
				with("table", table).with("column", name)
		case col.Generated:
			return 0, invalid(ReasonReadOnlyColumn, "copy into %q: column %q is generated", table, name).
				with("table", table).with("column", name)
		case slices.Contains(columns[:i], name):
			return 0, invalid(ReasonInvalidArgument, "copy into %q: column %q named twice", table, name).
				with("table", table).with("column", name)
		}
		managed = managed || t.machine != nil && t.machine.column == name
		quoted[i] = quote(name)
	}
	list := joinComma(quoted)
	temp := pgx.Identifier{"pg_temp", copyTempTable}.Sanitize()

	prepare := &pgx.Batch{}
	prepare.Queue(fmt.Sprintf(createCopyTempSQL, temp, list, t.ident))
	if err := SendQualified(ctx, tx, prepare).Close(); err != nil {
		return 0, fmt.Errorf("copy into %q: %w", table, err)
	}
	conn := tx.Conn()
	if conn == nil {
		return 0, fmt.Errorf("copy into %q: the transaction could not begin", table)
	}
	if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), fmt.Sprintf(copyFromStdinSQL, temp, list)); err != nil {
		return 0, fmt.Errorf("copy into %q: %w", table, err)
	}
	role := cat.role
	if managed {
		if err := checkStates(ctx, tx, t, temp); err != nil {
			return 0, err
		}
		role = ""
	}
	load := &pgx.Batch{}
	var n int64
	insert := fmt.Sprintf(insertFromTempSQL, t.ident, list, list, temp)
	if role != "" {
		load.Queue(fmt.Sprintf(grantTempSQL, temp, quote(role)))
		load.Queue(setRoleSQL + quote(role))
	}
	load.Queue(insert, companyID).Exec(func(ct pgconn.CommandTag) error {
		n = ct.RowsAffected()
		return nil
	})
	if role != "" {
		load.Queue(setRoleSQL + quote(migrate.TenantRole))
	}
	load.Queue(fmt.Sprintf(dropCopyTempSQL, temp))
	if err := tx.SendBatch(ctx, load).Close(); err != nil {
		return 0, fmt.Errorf("copy into %q: %w", table, err)
	}
	return n, nil
}

// checkStates fails with an invalid_value Error when a row loaded into
// temp holds a value of t's state column that is not a state of its
// machine.
func checkStates(ctx context.Context, tx pgx.Tx, t *Table, temp string) error {
	states := t.machine.states()
	var bad []string
	err := tx.QueryRow(ctx, fmt.Sprintf(foreignStatesSQL, quote(t.machine.column), temp), states).Scan(&bad)
	if err != nil {
		return fmt.Errorf("copy into %q: check states: %w", t.Name, err)
	}
	if len(bad) > 0 {
		return invalid(ReasonInvalidValue, "copy into %q: %v are not states of %s.%s (%v)",
			t.Name, bad, t.Name, t.machine.column, states).
			with("table", t.Name).with("column", t.machine.column)
	}
	return nil
}

// states lists the machine's states, sorted.
func (m *machine) states() []string {
	set := map[string]bool{m.initial: true}
	for _, tr := range m.next {
		set[tr.From], set[tr.To] = true, true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
