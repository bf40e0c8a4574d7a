package secrets_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

func key(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, secrets.KeySize))
}

func keyring(t *testing.T, current, previous string) secrets.Keyring {
	t.Helper()
	kr, err := secrets.ParseKeyring(current, previous)
	require.NoError(t, err)
	return kr
}

func TestSealAndOpen(t *testing.T) {
	t.Parallel()
	kr := keyring(t, "one:"+key(1), "")
	a := secrets.Address{CompanyID: uuid.New(), Vertical: "cpg", Name: "mp.token"}
	id, sealed, err := kr.Seal(a, []byte("APP_USR-123"))
	require.NoError(t, err)
	require.Equal(t, "one", id)
	require.NotContains(t, string(sealed), "APP_USR")
	value, err := kr.Open(a, id, sealed)
	require.NoError(t, err)
	require.Equal(t, "APP_USR-123", string(value))
	_, again, err := kr.Seal(a, []byte("APP_USR-123"))
	require.NoError(t, err)
	require.NotEqual(t, sealed, again, "every seal has a fresh nonce")

	// Bound to its address: another company, vertical or name does not open it.
	for _, other := range []secrets.Address{
		{CompanyID: uuid.New(), Vertical: a.Vertical, Name: a.Name},
		{CompanyID: a.CompanyID, Vertical: "services", Name: a.Name},
		{CompanyID: a.CompanyID, Vertical: a.Vertical, Name: "other"},
	} {
		_, err := kr.Open(other, id, sealed)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "APP_USR")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	_, err = kr.Open(a, id, tampered)
	require.Error(t, err)
	_, err = kr.Open(a, "two", sealed)
	require.ErrorIs(t, err, secrets.ErrUnknownKey)
	_, err = keyring(t, "two:"+key(2), "").Open(a, "one", sealed)
	require.ErrorIs(t, err, secrets.ErrUnknownKey)
	_, err = keyring(t, "one:"+key(2), "").Open(a, "one", sealed)
	require.Error(t, err, "the same id with another key does not open it")
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	k, err := secrets.ParseKey(key(7))
	require.NoError(t, err)
	k2, err := secrets.ParseKey(strings.TrimRight(base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), "="))
	require.NoError(t, err)
	require.Equal(t, k.ID, k2.ID, "the derived id depends on the key only")
	other, err := secrets.ParseKey(key(8))
	require.NoError(t, err)
	require.NotEqual(t, k.ID, other.ID)
	require.Regexp(t, `^k[0-9a-f]{12}$`, k.ID)
	for _, bad := range []string{"", "short", base64.StdEncoding.EncodeToString(make([]byte, 16)), "bad id:" + key(1), ":" + key(1)} {
		_, err := secrets.ParseKey(bad)
		require.Error(t, err, bad)
	}
	require.Equal(t, "dev", secrets.DevKeyring().CurrentID())
	_, err = secrets.ParseKeyring(key(1), key(1))
	require.ErrorContains(t, err, "used twice")
}

type env struct {
	pool *pgxpool.Pool
	svc  *secrets.Service
}

func newEnv(t *testing.T, pool *pgxpool.Pool, kr secrets.Keyring) env {
	return env{pool: pool, svc: secrets.NewService(pool, kr, func(name string) bool { return name == "cpg" || name == "services" })}
}

func newCompany(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone) VALUES ('S', 'MX', 'MXN', $1, 'America/Mexico_City') RETURNING id`,
		uuid.NewString()).Scan(&id))
	return id
}

// TestServiceIsolation writes secrets of two companies and two verticals
// and reads each back only at its own address.
func TestServiceIsolation(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	e := newEnv(t, pool, keyring(t, "k1:"+key(1), ""))
	ctx := t.Context()
	a, b := newCompany(t, pool), newCompany(t, pool)
	require.NoError(t, e.svc.Put(ctx, secrets.Address{CompanyID: a, Vertical: "cpg", Name: "token"}, []byte("a-cpg")))
	require.NoError(t, e.svc.Put(ctx, secrets.Address{CompanyID: a, Vertical: "services", Name: "token"}, []byte("a-services")))
	require.NoError(t, e.svc.Put(ctx, secrets.Address{CompanyID: b, Vertical: "cpg", Name: "token"}, []byte("b-cpg")))

	for _, tc := range []struct {
		company  uuid.UUID
		vertical string
		want     string
	}{{a, "cpg", "a-cpg"}, {a, "services", "a-services"}, {b, "cpg", "b-cpg"}} {
		v, err := e.svc.Get(ctx, secrets.Address{CompanyID: tc.company, Vertical: tc.vertical, Name: "token"})
		require.NoError(t, err)
		require.Equal(t, tc.want, string(v))
	}
	_, err := e.svc.Get(ctx, secrets.Address{CompanyID: b, Vertical: "services", Name: "token"})
	require.ErrorIs(t, err, secrets.ErrNotFound)

	list, err := e.svc.List(ctx, b, "cpg")
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = e.svc.List(ctx, b, "services")
	require.NoError(t, err)
	require.Empty(t, list)

	// Row-level security holds even for a query without a filter.
	var n int
	require.NoError(t, store.TenantTx(ctx, pool, b, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM secrets`).Scan(&n)
	}))
	require.Equal(t, 1, n)

	require.NoError(t, e.svc.Delete(ctx, secrets.Address{CompanyID: b, Vertical: "cpg", Name: "token"}))
	v, err := e.svc.Get(ctx, secrets.Address{CompanyID: a, Vertical: "cpg", Name: "token"})
	require.NoError(t, err)
	require.Equal(t, "a-cpg", string(v), "deleting b's secret leaves a's")
}

// TestRotate re-seals every secret under a new key: rows sealed with the
// old key open while it is a previous key, and after rotation without it.
func TestRotate(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ctx := t.Context()
	old := newEnv(t, pool, keyring(t, "2025:"+key(1), ""))
	companies := []uuid.UUID{newCompany(t, pool), newCompany(t, pool)}
	const perCompany = 120 // more than one rotation batch in all
	for _, c := range companies {
		for i := range perCompany {
			name := "s" + strings.Repeat("x", i%3) + uuid.NewString()[:8]
			require.NoError(t, old.svc.Put(ctx, secrets.Address{CompanyID: c, Vertical: "cpg", Name: name}, []byte("value-"+name)))
		}
	}
	unknown := newEnv(t, pool, keyring(t, "2026:"+key(2), ""))
	_, err := unknown.svc.Rotate(ctx)
	require.ErrorIs(t, err, secrets.ErrUnknownKey, "without the old key nothing can be re-sealed")

	rotating := newEnv(t, pool, keyring(t, "2026:"+key(2), "2025:"+key(1)))
	n, err := rotating.svc.Rotate(ctx)
	require.NoError(t, err)
	require.Equal(t, 2*perCompany, n)
	n, err = rotating.svc.Rotate(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a second run has nothing left")

	var ids []string
	rows, err := pool.Query(ctx, `SELECT DISTINCT key_id FROM secrets`)
	require.NoError(t, err)
	ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"2026"}, ids)

	after := newEnv(t, pool, keyring(t, "2026:"+key(2), ""))
	list, err := after.svc.List(ctx, companies[1], "cpg")
	require.NoError(t, err)
	require.Len(t, list, perCompany)
	for _, s := range list {
		v, err := after.svc.Get(ctx, secrets.Address{CompanyID: companies[1], Vertical: "cpg", Name: s.Name})
		require.NoError(t, err)
		require.Equal(t, "value-"+s.Name, string(v))
	}
}

// TestNeverAnsweredOrLogged drives the routes with a logger capturing
// everything, including failures, and looks for the value everywhere.
func TestNeverAnsweredOrLogged(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	e := newEnv(t, pool, keyring(t, key(3), ""))
	company := newCompany(t, pool)
	var logs bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Trace})
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			log.Info("request", "method", req.Method, "path", req.URL.Path)
			next.ServeHTTP(w, req.WithContext(httpx.WithLogger(req.Context(), log)))
		})
	})
	admin := auth.Principal{UserID: uuid.New(), CompanyID: company, Role: auth.RoleAdmin}
	r.Route("/companies/{id}", func(r chi.Router) {
		e.svc.Routes(r, func(req *http.Request, min auth.Role) (uuid.UUID, auth.Principal, error) {
			if !admin.Role.AtLeast(min) {
				return uuid.Nil, auth.Principal{}, httpx.Forbidden("insufficient_role", "no")
			}
			return company, admin, nil
		})
	})
	const value = "pk_live_TOPSECRET_0042"
	var bodies bytes.Buffer
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(method, "/companies/"+company.String()+path, strings.NewReader(body)))
		bodies.Write(rec.Body.Bytes())
		bodies.WriteString(rec.Header().Get("Location"))
		return rec.Code
	}
	require.Equal(t, http.StatusNoContent, do(http.MethodPut, "/verticals/cpg/secrets/mp", `{"value":"`+value+`"}`))
	require.Equal(t, http.StatusOK, do(http.MethodGet, "/verticals/cpg/secrets", ""))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPut, "/verticals/cpg/secrets/mp", `{"value":"`+value+`","extra":"`+value+`"}`))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPut, "/verticals/cpg/secrets/mp", `{"value":"`+value))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPut, "/verticals/cpg/secrets/mp", `{"value":["`+value+`"]}`))
	require.Equal(t, http.StatusNotFound, do(http.MethodPut, "/verticals/nope/secrets/mp", `{"value":"`+value+`"}`))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPut, "/verticals/cpg/secrets/mp", `{"value":"`+strings.Repeat(value, 4000)+`"}`))

	// A value sealed under a key the host no longer holds fails to open:
	// the error names the secret, not its value.
	_, err := newEnv(t, pool, keyring(t, key(4), "")).svc.Get(t.Context(), secrets.Address{CompanyID: company, Vertical: "cpg", Name: "mp"})
	require.ErrorIs(t, err, secrets.ErrUnknownKey)
	log.Error("secret failure", "error", err)

	v, err := e.svc.Get(t.Context(), secrets.Address{CompanyID: company, Vertical: "cpg", Name: "mp"})
	require.NoError(t, err)
	require.Equal(t, value, string(v))
	require.NotContains(t, bodies.String(), "TOPSECRET")
	require.NotContains(t, logs.String(), "TOPSECRET")
	require.Contains(t, logs.String(), "/verticals/cpg/secrets/mp", "the log has the requests")
	var details string
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT string_agg(details::text, ' ') FROM audit_log WHERE company_id = $1`, company).Scan(&details))
	require.Contains(t, details, `"name": "mp"`)
	require.NotContains(t, details, "TOPSECRET")
}
