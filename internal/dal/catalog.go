package dal

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Querier is what LoadCatalog needs: *pgxpool.Pool, *pgxpool.Conn,
// *pgx.Conn and pgx.Tx all satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Kind classifies a column's type by how the DAL filters and outputs it.
type Kind int

// Column kinds.
const (
	// KindOther is any type without special handling (enums, arrays,
	// bytea, intervals...).
	KindOther Kind = iota
	// KindNumeric is numeric/decimal: output as a decimal string.
	KindNumeric
	// KindNumber is an integer or floating-point type.
	KindNumber
	// KindText is text, varchar or char: the only kind prefix accepts.
	KindText
	// KindBool is boolean.
	KindBool
	// KindUUID is uuid.
	KindUUID
	// KindTime is date, time or timestamp, with or without time zone.
	KindTime
	// KindJSON is json: no equality or ordering.
	KindJSON
	// KindJSONB is jsonb: the only kind contains accepts.
	KindJSONB
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindNumeric:
		return "numeric"
	case KindNumber:
		return "number"
	case KindText:
		return "text"
	case KindBool:
		return "bool"
	case KindUUID:
		return "uuid"
	case KindTime:
		return "time"
	case KindJSON:
		return "json"
	case KindJSONB:
		return "jsonb"
	default:
		return "other"
	}
}

// kindOf classifies a base type by name.
func kindOf(typname string) Kind {
	switch typname {
	case "numeric":
		return KindNumeric
	case "int2", "int4", "int8", "float4", "float8":
		return KindNumber
	case "text", "varchar", "bpchar", "citext", "name":
		return KindText
	case "bool":
		return KindBool
	case "uuid":
		return KindUUID
	case "date", "time", "timetz", "timestamp", "timestamptz":
		return KindTime
	case "json":
		return KindJSON
	case "jsonb":
		return KindJSONB
	default:
		return KindOther
	}
}

// Column describes one column of a table.
type Column struct {
	Name string
	// Type is the SQL type as format_type prints it.
	Type       string
	NotNull    bool
	HasDefault bool
	// Generated reports a generated or GENERATED ALWAYS identity column,
	// which cannot be written.
	Generated bool
	Kind      Kind
}

// Table describes one table the DAL may access.
type Table struct {
	Name    string
	Columns []Column

	byName map[string]int
	// ident is the quoted schema.table.
	ident string
	// output is the select list returning every column, numerics as text.
	output     string
	hasVersion bool
	hasUpdated bool
	machine    *machine
}

// Column returns the named column.
func (t *Table) Column(name string) (Column, bool) {
	i, ok := t.byName[name]
	if !ok {
		return Column{}, false
	}
	return t.Columns[i], true
}

// column returns the named column or an unknown_column Error.
func (t *Table) column(name string) (Column, error) {
	c, ok := t.Column(name)
	if !ok {
		return Column{}, invalid(ReasonUnknownColumn, "table %q has no column %q", t.Name, name).
			with("table", t.Name).with("column", name)
	}
	return c, nil
}

// Catalog is the set of tables of one vertical schema the DAL may access,
// with their state machines. Load it with LoadCatalog and set its state
// machines before sharing it; after that it is read-only and safe for
// concurrent use.
type Catalog struct {
	schema string
	tables map[string]*Table
	// role is the role the vertical's statements run as; see SetRole.
	role string
}

// SetRole makes Exec run the statements it sends in batches (the named
// queries and the operations it pipelines) as role, switching back to
// migrate.TenantRole after each batch in the same round trip: the
// statements the host runs on its own (locks, version checks, transitions
// with their status_history rows) and the host's writes later in the unit
// keep migrate.TenantRole. Call it before sharing the catalog; "" (the
// default) runs everything as migrate.TenantRole.
func (c *Catalog) SetRole(role string) { c.role = role }

// Role returns the role set by SetRole.
func (c *Catalog) Role() string { return c.role }

// Schema returns the schema the catalog describes.
func (c *Catalog) Schema() string { return c.schema }

// Tables returns the accessible tables' names, sorted.
func (c *Catalog) Tables() []string {
	names := make([]string, 0, len(c.tables))
	for n := range c.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Table returns the named table.
func (c *Catalog) Table(name string) (*Table, bool) {
	t, ok := c.tables[name]
	return t, ok
}

// table returns the named table or an unknown_table Error.
func (c *Catalog) table(name string) (*Table, error) {
	t, ok := c.tables[name]
	if !ok {
		return nil, invalid(ReasonUnknownTable, "unknown table %q", name).with("table", name)
	}
	return t, nil
}

// LoadCatalog reads the tables of schema that follow the DAL's conventions
// (a company_id uuid and an id uuid column; see the package doc) with their
// columns.
func LoadCatalog(ctx context.Context, db Querier, schema string) (*Catalog, error) {
	rows, err := db.Query(ctx, catalogSQL, schema)
	if err != nil {
		return nil, fmt.Errorf("load catalog of schema %q: %w", schema, err)
	}
	cat := &Catalog{schema: schema, tables: map[string]*Table{}}
	var (
		table, typname string
		col            Column
	)
	_, err = pgx.ForEachRow(rows, []any{&table, &col.Name, &col.Type, &col.NotNull, &col.HasDefault, &col.Generated, &typname}, func() error {
		t := cat.tables[table]
		if t == nil {
			t = &Table{Name: table, byName: map[string]int{}, ident: pgx.Identifier{schema, table}.Sanitize()}
			cat.tables[table] = t
		}
		col.Kind = kindOf(typname)
		t.byName[col.Name] = len(t.Columns)
		t.Columns = append(t.Columns, col)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog of schema %q: %w", schema, err)
	}
	for name, t := range cat.tables {
		if !t.conventional() {
			delete(cat.tables, name)
			continue
		}
		t.finish()
	}
	return cat, nil
}

// conventional reports whether t has the company_id and id uuid columns.
func (t *Table) conventional() bool {
	company, ok1 := t.Column(colCompany)
	id, ok2 := t.Column(colID)
	return ok1 && ok2 && company.Kind == KindUUID && id.Kind == KindUUID
}

// finish derives t's output list and optional-column flags.
func (t *Table) finish() {
	list := make([]string, 0, len(t.Columns))
	for _, c := range t.Columns {
		list = append(list, outputExpr(c.Name, c.Kind == KindNumeric))
	}
	t.output = joinComma(list)
	if c, ok := t.Column(colVersion); ok && c.Kind == KindNumber {
		t.hasVersion = true
	}
	if c, ok := t.Column(colUpdatedAt); ok && c.Kind == KindTime {
		t.hasUpdated = true
	}
}
