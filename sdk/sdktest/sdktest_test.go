package sdktest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/testverticals/probe"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// note is the probe vertical's note as its routes answer it.
type note struct {
	ID      string          `json:"id"`
	Body    string          `json:"body"`
	Amount  decimal.Decimal `json:"amount"`
	Status  string          `json:"status"`
	Version int64           `json:"version"`
}

type notes struct {
	Data []note `json:"data"`
}

// create creates a note through h and returns it.
func create(t *testing.T, h *sdktest.Harness, body string) note {
	t.Helper()
	res := h.Do(http.MethodPost, "/notes", `{"body":"`+body+`","amount":"12.50"}`)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var n note
	res.Decode(t, &n)
	return n
}

// list lists h's notes through the DAL (list) or through a named query
// without a company filter (raw).
func list(t *testing.T, h *sdktest.Harness, path string) []note {
	t.Helper()
	res := h.Do(http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var out notes
	res.Decode(t, &out)
	return out.Data
}

func TestDatabase(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())

	n := create(t, h, "first")
	require.Equal(t, "first", n.Body)
	require.True(t, decimal.RequireFromString("12.50").Equal(n.Amount), n.Amount.String())
	require.Equal(t, "open", n.Status, "the state machine's initial state")

	res := h.Do(http.MethodGet, "/notes/"+n.ID, "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var got note
	res.Decode(t, &got)
	require.Equal(t, n, got)
	require.Equal(t, []note{n}, list(t, h, "/notes"))
	require.Equal(t, []string{n.ID}, ids(list(t, h, "/notes/raw")))

	res = h.Do(http.MethodPatch, "/notes/"+n.ID, `{"body":"edited","version":1}`)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = h.Do(http.MethodPatch, "/notes/"+n.ID, `{"body":"stale","version":1}`)
	require.Equal(t, http.StatusConflict, res.Status, string(res.Body))
	require.Equal(t, "version_conflict", res.ErrorCode())

	p := h.Principal()
	p.Role = sdk.RoleManager
	res = h.As(p).Do(http.MethodPost, "/notes/"+n.ID+"/close", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.Decode(t, &got)
	require.Equal(t, "closed", got.Status)
	require.Equal(t, "edited", got.Body)
	res = h.As(p).Do(http.MethodPost, "/notes/"+n.ID+"/close", "")
	require.Equal(t, http.StatusConflict, res.Status, string(res.Body))
	require.Equal(t, "invalid_transition", res.ErrorCode())
}

// TestDatabaseErrorsNameNoInternals drives the probe's routes into DAL
// failures it returns unchanged: the envelopes keep the schema's names
// (table, constraint, column, op index) out of their details.
func TestDatabaseErrorsNameNoInternals(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	n := create(t, h, "first")
	missing := uuid.NewString()
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
		details                  map[string]any
	}{
		{"not found", http.MethodGet, "/notes/" + missing, "", http.StatusNotFound, "not_found", map[string]any{"id": missing}},
		{"check constraint", http.MethodPost, "/notes", `{"body":"` + strings.Repeat("x", 1001) + `"}`,
			http.StatusUnprocessableEntity, "constraint_violation", nil},
		{"stale version", http.MethodPatch, "/notes/" + n.ID, `{"body":"x","version":7}`, http.StatusConflict, "version_conflict",
			map[string]any{"id": n.ID, "expected_version": float64(7), "current_version": float64(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.Do(tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, res.Status, string(res.Body))
			var env struct {
				Error struct {
					Code    string         `json:"code"`
					Details map[string]any `json:"details"`
				} `json:"error"`
			}
			res.Decode(t, &env)
			require.Equal(t, tc.code, env.Error.Code)
			require.Equal(t, tc.details, env.Error.Details, "body: %s", res.Body)
		})
	}
}

func ids(ns []note) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	a := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	n := create(t, a, "a's note")
	b := a.WithCompany(sdktest.NewCompany())
	require.NotEqual(t, a.Principal().CompanyID, b.Principal().CompanyID)

	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"get", http.MethodGet, "/notes/" + n.ID, "", http.StatusNotFound},
		{"update", http.MethodPatch, "/notes/" + n.ID, `{"body":"b was here","version":1}`, http.StatusNotFound},
		{"transition", http.MethodPost, "/notes/" + n.ID + "/close", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.Do(tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, res.Status, string(res.Body))
		})
	}
	require.Empty(t, list(t, b, "/notes"), "the DAL filters by company")
	require.Empty(t, list(t, b, "/notes/raw"), "row-level security confines a query without a company filter")

	mine := create(t, b, "b's note")
	require.Equal(t, []string{mine.ID}, ids(list(t, b, "/notes/raw")))
	require.Equal(t, []note{n}, list(t, a, "/notes"), "a's note is untouched and b's is not a's")

	other := a.As(sdk.Principal{UserID: uuid.NewString(), CompanyID: uuid.NewString(), Role: sdk.RoleOwner})
	require.Empty(t, list(t, other, "/notes/raw"), "As with another company acts for that company")
}

func TestUnitOfWork(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())

	res := h.Do(http.MethodPost, "/notes/fail", `{"body":"doomed"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Empty(t, list(t, h, "/notes"), "a request answered >= 400 is rolled back")

	res = h.Do(http.MethodPost, "/notes/event?fail=1", `{"body":"doomed"}`)
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Empty(t, h.Events(), "events of a rolled-back request never happen")

	res = h.Do(http.MethodPost, "/notes/event?topic=cpg.sale.created", `{"body":"doomed"}`)
	require.Equal(t, http.StatusInternalServerError, res.Status, string(res.Body))
	require.Empty(t, list(t, h, "/notes"))
	require.Empty(t, h.Events(), "a topic outside the vertical's namespace is refused")

	res = h.Do(http.MethodPost, "/notes/event", `{"body":"kept"}`)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var out struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
	}
	res.Decode(t, &out)
	evs := h.Events()
	require.Len(t, evs, 1)
	require.Equal(t, out.EventID, evs[0].ID)
	require.Equal(t, "probe.note.created", evs[0].Topic)
	require.Equal(t, h.Principal().CompanyID, evs[0].CompanyID)
	require.JSONEq(t, `{"note_id":"`+out.ID+`"}`, string(evs[0].Payload))
}

func TestCacheAndLocks(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"))
	value := func(h *sdktest.Harness) (string, bool) {
		t.Helper()
		res := h.Do(http.MethodGet, "/cache/k", "")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var out struct {
			Value  string `json:"value"`
			Loaded bool   `json:"loaded"`
		}
		res.Decode(t, &out)
		return out.Value, out.Loaded
	}
	first, loaded := value(h)
	require.True(t, loaded)
	again, loaded := value(h)
	require.False(t, loaded)
	require.Equal(t, first, again)
	_, loaded = value(h.WithCompany(sdktest.NewCompany()))
	require.True(t, loaded, "each company has its own cache")

	require.Equal(t, http.StatusUnprocessableEntity, h.Do(http.MethodPost, "/cache/k/invalidate?fail=1", "").Status)
	_, loaded = value(h)
	require.False(t, loaded, "a rolled-back request invalidates nothing")
	require.Equal(t, http.StatusNoContent, h.Do(http.MethodPost, "/cache/k/invalidate", "").Status)
	_, loaded = value(h)
	require.True(t, loaded, "a committed invalidation drops the key")

	require.Equal(t, http.StatusNoContent, h.Do(http.MethodPost, "/locks/l?ms=1", "").Status)
}

func TestWithoutDatabase(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"))
	res := h.Do(http.MethodPost, "/notes", `{"body":"x"}`)
	require.Equal(t, http.StatusServiceUnavailable, res.Status, string(res.Body))
	require.Equal(t, "database_unavailable", res.ErrorCode())
	require.Contains(t, string(res.Body), "sdktest.WithDatabase()")
}

func TestRouting(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"))
	res := h.Do(http.MethodGet, "/nowhere", "")
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
	require.Equal(t, "route_not_found", res.ErrorCode())

	res = h.Do(http.MethodDelete, "/notes/7", "")
	require.Equal(t, http.StatusMethodNotAllowed, res.Status, string(res.Body))
	require.Equal(t, "method_not_allowed", res.ErrorCode())
	require.Equal(t, "GET, PATCH", res.Header.Get("Allow"))
}

// tally is a vertical whose requests send several operations in one DB
// call (a batch): the DAL pipelines them in one round trip.
type tally struct{}

type entry struct {
	ID     string          `json:"id"`
	Amount decimal.Decimal `json:"amount"`
}

func (tally) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name: "tally",
		Migrations: fstest.MapFS{
			"0001_entries.up.sql": {Data: []byte(`CREATE TABLE entries (
    company_id uuid NOT NULL REFERENCES public.companies (id),
    id uuid NOT NULL,
    amount numeric(12,2) NOT NULL CHECK (amount > 0),
    version bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (company_id, id))`)},
			"0001_entries.down.sql": {Data: []byte(`DROP TABLE entries`)},
		},
		Routes: []sdk.Route{sdk.POST("/entries", sdk.RoleCashier, "Add entries and answer the total", addEntries)},
	}
}

// addEntries inserts the amounts of the body and reads their total, in one
// batch.
func addEntries(c *sdk.Context) error {
	var amounts []decimal.Decimal
	if err := c.Bind(&amounts); err != nil {
		return err
	}
	b := c.DB().Batch()
	for _, a := range amounts {
		b.Insert("entries", entry{ID: uuid.NewString(), Amount: a})
	}
	var total []struct {
		N   int             `json:"n"`
		Sum decimal.Decimal `json:"sum"`
	}
	b.Aggregate("entries", sdk.Aggregation{Aggregates: []sdk.Agg{sdk.Count("n"), sdk.Sum("amount", "sum")}}, &total)
	if err := b.Run(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, total[0])
}

func TestBatch(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, tally{}, sdktest.WithDatabase())
	total := func(h *sdktest.Harness, body string, status int) (int, string) {
		t.Helper()
		res := h.Do(http.MethodPost, "/entries", body)
		require.Equal(t, status, res.Status, string(res.Body))
		var out struct {
			N   int             `json:"n"`
			Sum decimal.Decimal `json:"sum"`
		}
		if status == http.StatusOK {
			res.Decode(t, &out)
		}
		return out.N, out.Sum.StringFixed(2)
	}
	n, sum := total(h, `["1.10","2.20","3.30"]`, http.StatusOK)
	require.Equal(t, 3, n, "inserts and totals in one call")
	require.Equal(t, "6.60", sum)
	total(h, `["1.00","-1.00"]`, http.StatusUnprocessableEntity)
	n, sum = total(h, `["0.40"]`, http.StatusOK)
	require.Equal(t, 4, n, "a failing operation rolled back its whole batch")
	require.Equal(t, "7.00", sum)
	n, sum = total(h.WithCompany(sdktest.NewCompany()), `["5"]`, http.StatusOK)
	require.Equal(t, 1, n, "another company totals its own entries")
	require.Equal(t, "5.00", sum)
}

// fatalTB records the failure that ends a test instead of failing t.
type fatalTB struct {
	testing.TB
	failure string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestUnreachableDatabaseFails(t *testing.T) {
	t.Setenv("NEXUS_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5")
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sdktest.New(f, probe.New("probe"), sdktest.WithDatabase())
	}()
	<-done
	require.Contains(t, f.failure, "PostgreSQL is unreachable", "the test fails, never skips")
	require.Contains(t, f.failure, "NEXUS_TEST_DATABASE_URL")
}

// TestIdempotencyKey replays a write retried with its Idempotency-Key as
// the host does: the same key and request give the stored response and
// write nothing more; another request under the key is a 409; another
// company's key is its own.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	post := func(h *sdktest.Harness, key, body string) *sdktest.Response {
		r := httptest.NewRequest(http.MethodPost, "/notes", strings.NewReader(body))
		r.Header.Set("Idempotency-Key", key)
		return h.DoRequest(r)
	}
	body := `{"body":"once","amount":"1.00"}`
	first := post(h, "key-1", body)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := post(h, "key-1", body)
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	require.JSONEq(t, string(first.Body), string(again.Body))
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Len(t, list(t, h, "/notes"), 1, "the retry wrote nothing")

	other := post(h, "key-1", `{"body":"twice","amount":"1.00"}`)
	require.Equal(t, http.StatusConflict, other.Status, string(other.Body))
	require.Equal(t, "idempotency_key_reused", other.ErrorCode())
	bad := post(h, "key with spaces", body)
	require.Equal(t, http.StatusBadRequest, bad.Status, string(bad.Body))
	require.Equal(t, "invalid_idempotency_key", bad.ErrorCode())

	// A failed request stores nothing: its key runs again.
	res := post(h, "key-2", `{"body":`)
	require.GreaterOrEqual(t, res.Status, 400, string(res.Body))
	res = post(h, "key-2", body)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))

	b := h.WithCompany(sdktest.NewCompany())
	res = post(b, "key-1", body)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	require.Empty(t, res.Header.Get("Idempotent-Replayed"), "company B's key is its own")
	require.Len(t, list(t, h, "/notes"), 2)
	require.Len(t, list(t, b, "/notes"), 1)
}
