package sdktest_test

import (
	"context"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/pgtest"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// fence is a vertical that tries to reach beyond its schema: a named query
// reading, deleting, inserting into and updating each host table it is
// given (setting a column to itself), and a schema that is not its own; DAL
// calls naming them; and setting its state column itself.
// Its things table gives status no default: the host makes the state
// machine's initial state the default.
type fence struct{ hostTables map[string]relation }

func (f fence) Manifest() sdk.Manifest {
	queries := map[string]string{
		"read_elsewhere":   "SELECT id FROM elsewhere.things",
		"delete_elsewhere": "DELETE FROM elsewhere.things",
		"set_status":       "UPDATE things SET status = 'closed'",
		"insert_status":    "INSERT INTO things (company_id, id, status) VALUES (current_setting('app.company_id')::uuid, gen_random_uuid(), 'closed')",
		"set_company":      "SELECT set_config('app.company_id', gen_random_uuid()::text, true)",
	}
	for name, rel := range f.hostTables {
		ident := pgx.Identifier{"public", name}.Sanitize()
		queries["read_"+name] = "SELECT 1 FROM " + ident
		if rel.table {
			queries["delete_"+name] = "DELETE FROM " + ident
			queries["insert_"+name] = "INSERT INTO " + ident + " DEFAULT VALUES"
			col := pgx.Identifier{rel.column}.Sanitize()
			queries["update_"+name] = "UPDATE " + ident + " SET " + col + " = " + col
		}
	}
	things := `(
    company_id uuid NOT NULL REFERENCES public.companies (id),
    id uuid NOT NULL,
    status text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (company_id, id))`
	return sdk.Manifest{
		Name: "fence",
		Migrations: fstest.MapFS{
			// elsewhere stands for another vertical's schema.
			"0001_things.up.sql": {Data: []byte("CREATE TABLE things " + things +
				";\nCREATE SCHEMA elsewhere;\nCREATE TABLE elsewhere.things " + things)},
			"0001_things.down.sql": {Data: []byte("DROP SCHEMA elsewhere CASCADE; DROP TABLE things")},
		},
		StateMachines: []sdk.StateMachine{{Table: "things", Column: "status", Initial: "open",
			Transitions: []sdk.Transition{{From: "open", Event: "close", To: "closed", MinRole: sdk.RoleCashier}}}},
		Queries: queries,
		Routes: []sdk.Route{
			sdk.POST("/try/{query}", sdk.RoleCashier, "Add a thing, then run a named query", tryQuery),
			sdk.POST("/list/{table}", sdk.RoleCashier, "Add a thing, then list a table through the DAL", tryList),
			sdk.POST("/write/{table}", sdk.RoleCashier, "Add a thing, then insert, update or delete (?op=) in a table through the DAL", tryWrite),
			sdk.POST("/things", sdk.RoleCashier, "Add a thing", func(c *sdk.Context) error { return addThing(c) }),
			sdk.POST("/things/with-status", sdk.RoleCashier, "Add a thing naming its initial state", addWithStatus),
			sdk.GET("/things", sdk.RoleCashier, "Count the company's things, and the open ones", countThings),
		},
	}
}

// addThing inserts a thing, so that a later refusal shows it rolled back.
func addThing(c *sdk.Context) error {
	return c.DB().Insert("things", map[string]any{"id": uuid.NewString()})
}

// addWithStatus adds a thing through the DAL naming its state column, after
// one that does not.
func addWithStatus(c *sdk.Context) error {
	if err := addThing(c); err != nil {
		return err
	}
	return c.DB().Insert("things", map[string]any{"id": uuid.NewString(), "status": "open"})
}

func tryQuery(c *sdk.Context) error {
	if err := addThing(c); err != nil {
		return err
	}
	var out []map[string]any
	if err := c.DB().Query(c.Param("query"), &out); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func tryList(c *sdk.Context) error {
	if err := addThing(c); err != nil {
		return err
	}
	var out []map[string]any
	if _, err := c.DB().List(c.Param("table"), sdk.Query{}, &out); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func tryWrite(c *sdk.Context) error {
	if err := addThing(c); err != nil {
		return err
	}
	table, id := c.Param("table"), uuid.NewString()
	var err error
	switch c.Query("op") {
	case "insert":
		err = c.DB().Insert(table, map[string]any{"id": id})
	case "update":
		err = c.DB().Update(table, id, map[string]any{"id": uuid.NewString()})
	default:
		err = c.DB().Delete(table, id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func countThings(c *sdk.Context) error {
	var out []struct {
		Status string `json:"status"`
	}
	if _, err := c.DB().List("things", sdk.Query{Limit: 500}, &out); err != nil {
		return err
	}
	open := 0
	for _, th := range out {
		if th.Status == "open" {
			open++
		}
	}
	return c.JSON(http.StatusOK, map[string]int{"things": len(out), "open": open})
}

// relation is one of the host schema's relations: whether it is a table,
// and its first column that an UPDATE may set.
type relation struct {
	table  bool
	column string
}

// hostRelations lists the host schema's tables, views and materialized
// views from the catalog of a freshly migrated database.
func hostRelations(t *testing.T) map[string]relation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	defer pool.Close()
	pgtest.MigrateHost(t, pool)
	rows, err := pool.Query(ctx, `SELECT c.relname, c.relkind IN ('r', 'p'),
       (SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`)
	require.NoError(t, err)
	out := map[string]relation{}
	var (
		name string
		rel  relation
	)
	_, err = pgx.ForEachRow(rows, []any{&name, &rel.table, &rel.column}, func() error {
		out[name] = rel
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

// TestVerticalFenced: through sdktest.WithDatabase, a vertical's named
// queries on every host table (listed from the catalog) and on a schema
// not its own, and its DAL calls naming them, answer a 4xx without
// internals and write nothing; its state column changes only through its
// state machine: a named query or DAL insert naming it is refused (403)
// and writes nothing, an insert leaving it out starts in the initial state.
func TestVerticalFenced(t *testing.T) {
	t.Parallel()
	host := hostRelations(t)
	h := sdktest.New(t, fence{hostTables: host}, sdktest.WithDatabase())
	things := func() int {
		t.Helper()
		res := h.Do(http.MethodGet, "/things", "")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var out struct{ Things, Open int }
		res.Decode(t, &out)
		require.Equal(t, out.Things, out.Open, "every thing starts open")
		return out.Things
	}
	forbidden := func(path string) {
		t.Helper()
		res := h.Do(http.MethodPost, path, "")
		require.Equal(t, http.StatusForbidden, res.Status, "%s: %s", path, res.Body)
		require.Equal(t, "permission_denied", res.ErrorCode(), path)
		require.NotContains(t, string(res.Body), "public.", path)
		require.NotContains(t, string(res.Body), "permission denied for", path)
	}
	var queries []string
	for name, rel := range host {
		queries = append(queries, "read_"+name)
		if rel.table {
			queries = append(queries, "delete_"+name, "insert_"+name, "update_"+name)
		}
	}
	queries = append(queries, "read_elsewhere", "delete_elsewhere", "set_status", "insert_status", "set_company")
	for _, q := range queries {
		forbidden("/try/" + q)
	}
	forbidden("/things/with-status")
	for name := range host {
		for _, table := range []string{name, "public." + name} {
			res := h.Do(http.MethodPost, "/list/"+table, "")
			require.True(t, res.Status >= 400 && res.Status < 500, "%s: %d %s", table, res.Status, res.Body)
			for _, op := range []string{"insert", "update", "delete"} {
				res := h.Do(http.MethodPost, "/write/"+table+"?op="+op, "")
				require.True(t, res.Status >= 400 && res.Status < 500, "%s %s: %d %s", op, table, res.Status, res.Body)
			}
		}
	}
	res := h.Do(http.MethodPost, "/list/elsewhere.things", "")
	require.True(t, res.Status >= 400 && res.Status < 500, "%d %s", res.Status, res.Body)
	require.Equal(t, 0, things(), "every refused request rolled back its own insert")
	res = h.Do(http.MethodPost, "/things", "")
	require.Less(t, res.Status, 300, string(res.Body))
	require.Equal(t, 1, things())
}
