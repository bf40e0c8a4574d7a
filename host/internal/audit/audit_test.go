package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

func newCompany(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone) VALUES ('Audit', 'MX', 'MXN', $1, 'America/Mexico_City') RETURNING id`,
		uuid.NewString()).Scan(&id))
	return id
}

// TestRowsAreImmutable appends an entry and checks that no role changes
// or removes it: the tenant role lacks the grants, and the trigger stops
// even the host's own role.
func TestRowsAreImmutable(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ctx := t.Context()
	company := newCompany(t, pool)
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorUser, ID: uuid.New(), Label: "ana@example.com"})
	require.NoError(t, audit.Record(ctx, pool, audit.Entry{CompanyID: company, Action: "member.role_changed", Target: "user:1"}))
	// A tenant transaction appends too (plugins' entries join theirs).
	require.NoError(t, store.TenantTx(ctx, pool, company, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{CompanyID: company, Action: "probe.thing.done"})
	}))

	for _, stmt := range []string{
		`UPDATE audit_log SET action = 'member.removed'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		err := store.TenantTx(ctx, pool, company, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, stmt)
			return err
		})
		requireSQLState(t, err, "42501", "tenant: "+stmt)
		_, err = pool.Exec(ctx, stmt)
		requireSQLState(t, err, "42501", "host role: "+stmt)
	}
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('member.role_changed', 'probe.thing.done')`).Scan(&n))
	require.Equal(t, 2, n)

	// Another company's tenant transaction can neither read nor append
	// this company's rows.
	other := newCompany(t, pool)
	require.NoError(t, store.TenantTx(ctx, pool, other, func(tx pgx.Tx) error {
		require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n))
		return nil
	}))
	require.Zero(t, n)
	err := store.TenantTx(ctx, pool, other, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{CompanyID: company, Action: "probe.thing.done"})
	})
	requireSQLState(t, err, "42501", "append to another company")
}

func requireSQLState(t *testing.T, err error, code, what string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, what)
	require.Equal(t, code, pgErr.Code, what)
}

func TestRecordChecksEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := &pgx.Batch{}
	require.Error(t, audit.Queue(ctx, b, audit.Entry{Action: "member.removed"}), "no company")
	require.Error(t, audit.Queue(ctx, b, audit.Entry{CompanyID: uuid.New(), Action: "Member Removed"}))
	require.Error(t, audit.Queue(ctx, b, audit.Entry{CompanyID: uuid.New(), Action: "member"}))
	big := map[string]any{"x": string(make([]byte, 17<<10))}
	require.Error(t, audit.Queue(ctx, b, audit.Entry{CompanyID: uuid.New(), Action: "member.removed", Details: big}))
	require.Zero(t, b.Len())
	require.NoError(t, audit.Queue(ctx, b, audit.Entry{CompanyID: uuid.New(), Action: "member.removed"}))
	require.Equal(t, 1, b.Len())
}

// TestList checks filters, paging and that a company reads only its own
// log, through the HTTP route.
func TestList(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ctx := t.Context()
	a, b := newCompany(t, pool), newCompany(t, pool)
	ana := audit.Actor{Kind: audit.ActorUser, ID: uuid.New(), Label: "ana@example.com"}
	key := audit.Actor{Kind: audit.ActorAPIKey, ID: uuid.New(), Label: "Caja 1"}
	start := time.Now()
	for i, e := range []struct {
		actor  audit.Actor
		action string
	}{{ana, "member.role_changed"}, {key, "probe.sale.voided"}, {ana, "member.removed"}, {key, "probe.sale.voided"}, {ana, "secret.written"}} {
		origin := audit.Origin{IP: "10.0.0.1", UserAgent: "test", RequestID: "req-" + string(rune('a'+i))}
		require.NoError(t, audit.Record(ctx, pool, audit.Entry{CompanyID: a, Action: e.action, Actor: e.actor, Origin: origin,
			Details: map[string]any{"i": i}}))
	}
	require.NoError(t, audit.Record(ctx, pool, audit.Entry{CompanyID: b, Action: "member.removed", Actor: ana}))
	middle := time.Now()
	require.NoError(t, audit.Record(ctx, pool, audit.Entry{CompanyID: a, Action: "api_key.created", Actor: ana}))

	svc := audit.NewService(pool)
	r := chi.NewRouter()
	r.Route("/companies/{id}", func(r chi.Router) {
		svc.Routes(r, func(req *http.Request) (uuid.UUID, error) { return uuid.MustParse(chi.URLParam(req, "id")), nil })
	})
	list := func(company uuid.UUID, query string) (int, []audit.Row, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/companies/"+company.String()+"/audit?"+query, nil))
		if rec.Code != http.StatusOK {
			return rec.Code, nil, ""
		}
		var page struct {
			Data       []audit.Row `json:"data"`
			NextCursor *string     `json:"next_cursor"`
		}
		require.NoError(t, decode(rec.Body.Bytes(), &page))
		next := ""
		if page.NextCursor != nil {
			next = *page.NextCursor
		}
		return rec.Code, page.Data, next
	}
	actions := func(rows []audit.Row) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Action
		}
		return out
	}

	_, rows, _ := list(a, "")
	require.Equal(t, []string{"api_key.created", "secret.written", "probe.sale.voided", "member.removed", "probe.sale.voided", "member.role_changed"}, actions(rows))
	require.Equal(t, "api_key", rows[2].Actor.Type)
	require.Equal(t, "Caja 1", rows[2].Actor.Label)
	require.Equal(t, "10.0.0.1", rows[2].IP)
	require.JSONEq(t, `{"i":3}`, string(rows[2].Details))
	_, rows, _ = list(b, "")
	require.Equal(t, []string{"member.removed"}, actions(rows), "b sees only its own entry")

	_, rows, _ = list(a, "action=member.")
	require.Equal(t, []string{"member.removed", "member.role_changed"}, actions(rows))
	_, rows, _ = list(a, "action=probe.sale.voided&actor="+key.ID.String())
	require.Len(t, rows, 2)
	_, rows, _ = list(a, "actor="+ana.ID.String()+"&until="+middle.UTC().Format(time.RFC3339Nano))
	require.Equal(t, []string{"secret.written", "member.removed", "member.role_changed"}, actions(rows))
	_, rows, _ = list(a, "since="+middle.UTC().Format(time.RFC3339Nano))
	require.Equal(t, []string{"api_key.created"}, actions(rows))
	_, rows, _ = list(a, "since="+start.Add(-time.Hour).UTC().Format(time.RFC3339))
	require.Len(t, rows, 6)

	var all []string
	cursor := ""
	for {
		_, rows, next := list(a, "limit=4&cursor="+cursor)
		all = append(all, actions(rows)...)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Len(t, all, 6)

	for _, q := range []string{"action=member", "action=Member.x", "actor=ana", "since=today", "until=2026-13-01T00:00:00Z",
		"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "limit=501", "cursor=zz!"} {
		code, _, _ := list(a, q)
		require.Equal(t, http.StatusBadRequest, code, q)
	}
}

func decode(b []byte, v any) error { return json.Unmarshal(b, v) }
