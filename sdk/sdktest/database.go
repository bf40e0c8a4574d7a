package sdktest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/pgtest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
)

// setupTimeout bounds creating and migrating a harness's database.
const setupTimeout = time.Minute

// insertCompanySQL creates a company row for the harness. Vertical code
// never reads companies (nexus_tenant may not), so its tax id column holds
// the company's id and companies of a harness may share a tax id.
const insertCompanySQL = `
INSERT INTO public.companies (id, name, country, currency, tax_id, timezone)
VALUES ($1::uuid, $2, $3, $4, $1::text, $5)
ON CONFLICT (id) DO NOTHING`

// openDatabase creates the harness's database, dropped when the test ends,
// applies the host's migrations and then the vertical's from m into its
// schema, as the host does when the vertical registers, and prepares its
// catalog, state machines and named queries.
func (h *host) openDatabase(t testing.TB, m *nexusv1.Manifest) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("sdktest: PostgreSQL: %v", err)
	}
	t.Cleanup(pool.Close)
	pgtest.MigrateHost(t, pool)
	data, err := hostcall.Prepare(ctx, pool, m, h.log)
	if err != nil {
		t.Fatalf("sdktest: vertical %s refused by the database: %v", m.GetName(), err)
	}
	h.pool, h.data = pool, data
}

// ensureCompany creates c's row in the host's companies table, which
// tenant tables may reference, once per company. Blank fields take the
// defaults of NewCompany. Without a database it does nothing.
func (h *host) ensureCompany(t testing.TB, c sdk.Company) {
	t.Helper()
	if h.pool == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.companies[c.ID] {
		return
	}
	def := NewCompany()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	_, err := h.pool.Exec(ctx, insertCompanySQL, c.ID, or(c.Name, def.Name), or(c.Country, def.Country),
		or(c.Currency, def.Currency), or(c.Timezone, def.Timezone))
	if err != nil {
		t.Fatalf("sdktest: create company %q: %v", c.ID, err)
	}
	h.companies[c.ID] = true
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
