package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestDemoRestartKeepsVerticalConfig starts the host as `make run` does
// (NEXUS_ENV=dev, NEXUS_DEMO=1, no platform admin) twice on one database:
// the first start creates and prints the demo platform admin and configures
// cpg from its schema's example (a grocery store: any presentation, no
// clothing sizes) with demo data from its Seeder (products with stock, a
// register: the POS has something to sell); what the owner configures, or
// disables, then survives the restart, the data is not seeded twice, and
// no second admin is created.
func TestDemoRestartKeepsVerticalConfig(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{
		"hello": hosttest.Build(t, "github.com/nexuspos/nexus/examples/hello"),
		"cpg":   hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	})
	env := []string{"NEXUS_ENV=dev", "NEXUS_DEMO=1", "NEXUS_BOOTSTRAP_ADMIN_EMAIL=", "NEXUS_BOOTSTRAP_ADMIN_PASSWORD="}
	h := hosttest.Start(t, dir, env...)
	require.Contains(t, h.Log(), `Platform admin: {"email":"admin@demo.nexus.local","password":"demo-admin-2026"}`)
	require.Contains(t, h.Log(), "created the demo platform admin")
	h.Login(demoAdminEmail, demoAdminPassword)

	login := h.Expect(http.StatusOK, http.MethodPost, "/api/v1/auth/login", "",
		map[string]string{"email": demoOwnerEmail, "password": demoOwnerPassword}).JSON(t)
	owner, company := login["access_token"].(string), login["company_id"].(string)
	verticals := func(h *hosttest.Host) map[string]string {
		var page struct {
			Data []struct {
				Name    string          `json:"name"`
				Enabled bool            `json:"enabled"`
				Config  json.RawMessage `json:"config"`
			} `json:"data"`
		}
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+company+"/verticals", owner, nil).Decode(t, &page)
		out := map[string]string{}
		for _, v := range page.Data {
			state := "disabled "
			if v.Enabled {
				state = "enabled "
			}
			out[v.Name] = state + string(v.Config)
		}
		return out
	}
	require.Equal(t, map[string]string{
		"cpg":   `enabled {"sizes":[],"colors":[]}`,
		"hello": `enabled {}`,
	}, verticals(h))
	// The demo data: products, stock at a location, registers to open.
	var page struct {
		Data []map[string]any `json:"data"`
	}
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/cpg/products?limit=5", owner, nil).Decode(t, &page)
	require.Len(t, page.Data, 5, "the demo company has products")
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/cpg/stock?limit=1", owner, nil).Decode(t, &page)
	require.Len(t, page.Data, 1, "the demo company has stock")
	registers := func(h *hosttest.Host) int {
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/cpg/registers?limit=500", owner, nil).Decode(t, &page)
		return len(page.Data)
	}
	seededRegisters := registers(h)
	require.Positive(t, seededRegisters, "the demo company has registers")
	h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/verticals/cpg/products", owner, map[string]any{
		"name": "Refresco de cola", "variants": []map[string]string{{"sku": "COLA-600", "size": "600 ml", "price": "18.00"}},
	})

	h.Expect(http.StatusOK, http.MethodPut, "/api/v1/companies/"+company+"/verticals/cpg", owner,
		map[string]any{"sizes": []string{"600 ml", "2 L"}, "allow_negative_stock": true})
	h.Expect(http.StatusNoContent, http.MethodDelete, "/api/v1/companies/"+company+"/verticals/hello", owner, nil)
	configured := verticals(h)
	h.Stop()

	h = hosttest.StartOn(t, h.DatabaseURL, dir, env...)
	require.Equal(t, configured, verticals(h))
	require.Contains(t, configured["cpg"], `"600 ml"`)
	require.Equal(t, seededRegisters, registers(h), "a restart seeds nothing again")
	require.NotContains(t, h.Log(), "created the demo platform admin")
	require.Contains(t, h.Log(), `Platform admin: {"email":"admin@demo.nexus.local","password":"demo-admin-2026"}`)
	h.Login(demoAdminEmail, demoAdminPassword)
}

// TestDemoAdmin: only a development host creates the demo's platform
// admin, and only when there is none; the others point at how to make one.
func TestDemoAdmin(t *testing.T) {
	t.Parallel()
	newPlatform := func(t *testing.T, env string, bootstrap string) *platform {
		pool := storetest.NewPool(t)
		svc, err := auth.NewService(pool, auth.Config{Secret: make([]byte, auth.MinSecretLen), BcryptCost: bcrypt.MinCost},
			ratelimit.NewMemory(), hclog.NewNullLogger())
		require.NoError(t, err)
		return &platform{cfg: config.Config{Env: env, AdminEmail: bootstrap}, log: hclog.NewNullLogger(), pool: pool, auth: svc}
	}
	admins := func(t *testing.T, p *platform) []string {
		rows, err := p.pool.Query(context.Background(), `SELECT email FROM users WHERE platform_admin ORDER BY email`)
		require.NoError(t, err)
		var emails []string
		for rows.Next() {
			var e string
			require.NoError(t, rows.Scan(&e))
			emails = append(emails, e)
		}
		require.NoError(t, rows.Err())
		return emails
	}
	ctx := context.Background()

	t.Run("production creates none", func(t *testing.T) {
		t.Parallel()
		p := newPlatform(t, "production", "")
		got, err := p.demoAdmin(ctx)
		require.NoError(t, err)
		require.Contains(t, got, "nexus admin create")
		require.Empty(t, admins(t, p))
	})
	t.Run("dev creates the demo admin once", func(t *testing.T) {
		t.Parallel()
		p := newPlatform(t, "dev", "")
		for range 2 {
			got, err := p.demoAdmin(ctx)
			require.NoError(t, err)
			require.Equal(t, `{"email":"admin@demo.nexus.local","password":"demo-admin-2026"}`, got)
		}
		require.Equal(t, []string{demoAdminEmail}, admins(t, p))
	})
	t.Run("dev with an admin of its own creates none", func(t *testing.T) {
		t.Parallel()
		p := newPlatform(t, "dev", "root@example.com")
		_, _, err := p.auth.CreateAdmin(ctx, "root@example.com", "a-long-password")
		require.NoError(t, err)
		got, err := p.demoAdmin(ctx)
		require.NoError(t, err)
		require.Equal(t, "root@example.com (password: NEXUS_BOOTSTRAP_ADMIN_PASSWORD)", got)
		require.Equal(t, []string{"root@example.com"}, admins(t, p))
	})
}

func TestExampleConfig(t *testing.T) {
	t.Parallel()
	for schema, want := range map[string]string{
		``:                                     `{}`,
		`{"type":"object"}`:                    `{}`,
		`{"examples":[]}`:                      `{}`,
		`{"examples":["text"]}`:                `{}`,
		`{"examples":[{"a":[]},{"b":1}]}`:      `{"a":[]}`,
		`{"examples":[ {"sizes": []} ]}`:       `{"sizes": []}`,
		`not json`:                             `{}`,
		`{"examples":{"not":"an array"}}`:      `{}`,
		`{"examples":[null,{"after":"null"}]}`: `{}`,
	} {
		require.JSONEq(t, want, string(exampleConfig(schema)), schema)
	}
}

// TestAdminCreateWithoutJWTSecret: creating a platform admin signs no
// token, so `nexus admin create` runs without NEXUS_JWT_SECRET in
// production.
func TestAdminCreateWithoutJWTSecret(t *testing.T) {
	db := pgtest.NewDatabase(t)
	t.Setenv("NEXUS_DATABASE_URL", db)
	t.Setenv("NEXUS_ENV", "production")
	t.Setenv("NEXUS_JWT_SECRET", "")
	require.NoError(t, run(context.Background(), []string{"admin", "create", "--email", "root@example.com", "--password", "a-long-password"}))
	require.NoError(t, run(context.Background(), []string{"admin", "create", "--email", "root@example.com", "--password", "a-long-password"}))
	pool := storetest.OpenPool(t, db, false)
	var admin bool
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT platform_admin FROM users WHERE email = 'root@example.com'`).Scan(&admin))
	require.True(t, admin)
}
