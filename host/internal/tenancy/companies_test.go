package tenancy

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/envelope"
)

func TestCreateCompany(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := platformAdmin()
	owner := e.member(t, e.company(t, "Existing SA"), auth.RoleOwner)

	created := []struct {
		name         string
		body         map[string]any
		wantCountry  string
		wantCurrency string
		wantTaxID    string
		wantTZ       string
		wantWarnings bool
	}{
		{
			name:        "MX defaults, RFC normalized, check digit matches",
			body:        map[string]any{"name": "  Abarrotes Don Pepe  ", "country": "MX", "tax_id": " sat970701nn3 "},
			wantCountry: "MX", wantCurrency: "MXN", wantTaxID: "SAT970701NN3", wantTZ: "America/Mexico_City",
		},
		{
			name:        "MX RFC with wrong check digit is a warning",
			body:        map[string]any{"name": "Tienda", "country": "MX", "currency": "MXN", "tax_id": "ABC680524P78", "timezone": "America/Tijuana"},
			wantCountry: "MX", wantCurrency: "MXN", wantTaxID: "ABC680524P78", wantTZ: "America/Tijuana", wantWarnings: true,
		},
		{
			name:        "AR CUIT with hyphens",
			body:        map[string]any{"name": "Almacén SRL", "country": "AR", "currency": "ARS", "tax_id": "30-71234567-1"},
			wantCountry: "AR", wantCurrency: "ARS", wantTaxID: "30712345671", wantTZ: "America/Argentina/Buenos_Aires",
		},
	}
	for _, tt := range created {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := e.do(t, &admin, http.MethodPost, base, tt.body)
			requireStatus(t, rec, http.StatusCreated, "")
			got := decode[createdCompany](t, rec)
			require.NotEqual(t, uuid.Nil, got.ID)
			require.Equal(t, base+"/"+got.ID.String(), rec.Header().Get("Location"))
			require.Equal(t, strings.TrimSpace(tt.body["name"].(string)), got.Name)
			require.Equal(t, tt.wantCountry, got.Country)
			require.Equal(t, tt.wantCurrency, got.Currency)
			require.Equal(t, tt.wantTaxID, got.TaxID)
			require.Equal(t, tt.wantTZ, got.Timezone)
			require.True(t, got.Active)
			require.NotNil(t, got.Warnings)
			require.Equal(t, tt.wantWarnings, len(got.Warnings) > 0, "warnings: %v", got.Warnings)

			stored, err := e.svc.GetCompany(context.Background(), got.ID)
			require.NoError(t, err)
			require.Equal(t, got.Company.TaxID, stored.TaxID)
		})
	}

	refused := []struct {
		name   string
		who    *auth.Principal
		body   any
		status int
		code   string
	}{
		{"generic RFC XAXX", &admin, map[string]any{"name": "r1", "country": "MX", "tax_id": "XAXX010101000"}, 422, "invalid_tax_id"},
		{"generic RFC XEXX", &admin, map[string]any{"name": "r2", "country": "MX", "tax_id": "XEXX010101000"}, 422, "invalid_tax_id"},
		{"RFC impossible date", &admin, map[string]any{"name": "r3", "country": "MX", "tax_id": "ABC990230AB1"}, 422, "invalid_tax_id"},
		{"RFC too short", &admin, map[string]any{"name": "r4", "country": "MX", "tax_id": "ABC9901"}, 422, "invalid_tax_id"},
		{"missing tax id", &admin, map[string]any{"name": "r5", "country": "MX"}, 422, "invalid_tax_id"},
		{"bad CUIT check digit", &admin, map[string]any{"name": "r6", "country": "AR", "tax_id": "30712345672"}, 422, "invalid_tax_id"},
		{"CUIT with letters", &admin, map[string]any{"name": "r7", "country": "AR", "tax_id": "30-7123456A-1"}, 422, "invalid_tax_id"},
		{"MX company in ARS", &admin, map[string]any{"name": "r8", "country": "MX", "currency": "ARS", "tax_id": randomRFC()}, 422, "invalid_currency"},
		{"AR company in MXN", &admin, map[string]any{"name": "r9", "country": "AR", "currency": "MXN", "tax_id": "30500010912"}, 422, "invalid_currency"},
		{"unknown currency", &admin, map[string]any{"name": "r10", "country": "MX", "currency": "USD", "tax_id": randomRFC()}, 422, "invalid_currency"},
		{"unsupported country", &admin, map[string]any{"name": "r11", "country": "US", "tax_id": "123"}, 422, "invalid_country"},
		{"missing country", &admin, map[string]any{"name": "r12", "tax_id": randomRFC()}, 422, "invalid_country"},
		{"unknown time zone", &admin, map[string]any{"name": "r13", "country": "MX", "tax_id": randomRFC(), "timezone": "Mars/Olympus"}, 422, "invalid_timezone"},
		{"Local time zone", &admin, map[string]any{"name": "r14", "country": "MX", "tax_id": randomRFC(), "timezone": "Local"}, 422, "invalid_timezone"},
		{"path-like time zone", &admin, map[string]any{"name": "r15", "country": "MX", "tax_id": randomRFC(), "timezone": "../../etc/passwd"}, 422, "invalid_timezone"},
		{"empty name", &admin, map[string]any{"name": "   ", "country": "MX", "tax_id": randomRFC()}, 422, "invalid_name"},
		{"huge name", &admin, map[string]any{"name": strings.Repeat("a", 201), "country": "MX", "tax_id": randomRFC()}, 422, "invalid_name"},
		{"control characters in name", &admin, map[string]any{"name": "r16\a", "country": "MX", "tax_id": randomRFC()}, 422, "invalid_name"},
		{"NUL in name", &admin, raw(`{"name": "r16\u0000", "country": "MX", "tax_id": "` + randomRFC() + `"}`), 422, "invalid_name"},
		{"unknown field", &admin, map[string]any{"name": "r17", "country": "MX", "tax_id": randomRFC(), "active": false}, 400, "unknown_field"},
		{"wrong type", &admin, map[string]any{"name": 17, "country": "MX", "tax_id": randomRFC()}, 400, "invalid_field"},
		{"malformed JSON", &admin, raw(`{"name": "r18", "country": "MX"`), 400, "invalid_json"},
		{"empty body", &admin, raw(``), 400, "invalid_json"},
		{"array body", &admin, raw(`[]`), 400, "invalid_json"},
		{"two documents", &admin, raw(`{"name":"r19"}{"name":"r20"}`), 400, "invalid_json"},
		{"company owner", &owner, map[string]any{"name": "r21", "country": "MX", "tax_id": randomRFC()}, 403, "platform_admin_required"},
		{"no token", nil, map[string]any{"name": "r22", "country": "MX", "tax_id": randomRFC()}, 401, "unauthorized"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := e.do(t, tt.who, http.MethodPost, base, tt.body)
			requireStatus(t, rec, tt.status, tt.code)
			if tt.status == http.StatusUnprocessableEntity {
				env := decode[envelope.Envelope](t, rec)
				require.NotEmpty(t, env.Error.Message)
				require.Equal(t, strings.TrimPrefix(tt.code, "invalid_"), env.Error.Details["field"])
			}
			if m, ok := tt.body.(map[string]any); ok {
				name, _ := m["name"].(string)
				require.Zero(t, e.count(t, `SELECT count(*) FROM companies WHERE name = $1 OR name = trim($1)`, name))
			}
		})
	}

	t.Run("name of exactly 200 characters", func(t *testing.T) {
		t.Parallel()
		name := strings.Repeat("ñ", 200)
		rec := e.do(t, &admin, http.MethodPost, base, map[string]any{"name": name, "country": "MX", "tax_id": randomRFC()})
		requireStatus(t, rec, http.StatusCreated, "")
		require.Equal(t, name, decode[Company](t, rec).Name)
	})

	t.Run("duplicate country and tax id", func(t *testing.T) {
		t.Parallel()
		body := map[string]any{"name": "First", "country": "AR", "tax_id": "20123456786"}
		requireStatus(t, e.do(t, &admin, http.MethodPost, base, body), http.StatusCreated, "")
		body["name"] = "Second"
		body["tax_id"] = "20-12345678-6"
		requireStatus(t, e.do(t, &admin, http.MethodPost, base, body), http.StatusConflict, "company_exists")
		require.Equal(t, 1, e.count(t, `SELECT count(*) FROM companies WHERE tax_id = '20123456786'`))
	})
}

func TestCompanyRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := platformAdmin()
	c := e.company(t, "Ferretería")
	owner := e.member(t, c, auth.RoleOwner)
	adm := e.member(t, c, auth.RoleAdmin)
	manager := e.member(t, c, auth.RoleManager)
	viewer := e.member(t, c, auth.RoleViewer)
	path := base + "/" + c.ID.String()

	t.Run("get", func(t *testing.T) {
		t.Parallel()
		for _, p := range []auth.Principal{admin, owner, viewer} {
			rec := e.do(t, &p, http.MethodGet, path, nil)
			requireStatus(t, rec, http.StatusOK, "")
			require.Equal(t, c.ID, decode[Company](t, rec).ID)
		}
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"/"+uuid.NewString(), nil), 404, "company_not_found")
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"/not-a-uuid", nil), 404, "company_not_found")
		requireStatus(t, e.do(t, nil, http.MethodGet, path, nil), 401, "unauthorized")
	})

	t.Run("patch", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name   string
			who    auth.Principal
			body   any
			status int
			code   string
		}{
			{"manager may not", manager, map[string]any{"name": "Nope"}, 403, "insufficient_role"},
			{"active is not patchable", adm, map[string]any{"active": false}, 400, "unknown_field"},
			{"bad time zone", adm, map[string]any{"timezone": "Nowhere/City"}, 422, "invalid_timezone"},
			{"empty name", adm, map[string]any{"name": ""}, 422, "invalid_name"},
			{"malformed", adm, raw(`{"name":`), 400, "invalid_json"},
		}
		for _, tt := range tests {
			requireStatus(t, e.do(t, &tt.who, http.MethodPatch, path, tt.body), tt.status, tt.code)
		}
		got, err := e.svc.GetCompany(context.Background(), c.ID)
		require.NoError(t, err)
		require.Equal(t, "Ferretería", got.Name)
		require.Equal(t, "America/Mexico_City", got.Timezone)

		rec := e.do(t, &adm, http.MethodPatch, path, map[string]any{"timezone": "America/Cancun"})
		requireStatus(t, rec, http.StatusOK, "")
		got = decode[Company](t, rec)
		require.Equal(t, "Ferretería", got.Name)
		require.Equal(t, "America/Cancun", got.Timezone)

		rec = e.do(t, &admin, http.MethodPatch, path, map[string]any{"name": " Ferretería Central "})
		requireStatus(t, rec, http.StatusOK, "")
		require.Equal(t, "Ferretería Central", decode[Company](t, rec).Name)

		rec = e.do(t, &owner, http.MethodPatch, path, map[string]any{})
		requireStatus(t, rec, http.StatusOK, "")
		require.Equal(t, "Ferretería Central", decode[Company](t, rec).Name)
	})

	t.Run("activate and deactivate", func(t *testing.T) {
		t.Parallel()
		other := e.company(t, "Other")
		otherPath := base + "/" + other.ID.String()
		requireStatus(t, e.do(t, &owner, http.MethodPost, path+"/deactivate", nil), 403, "platform_admin_required")
		requireStatus(t, e.do(t, &owner, http.MethodPost, otherPath+"/deactivate", nil), 404, "company_not_found")

		rec := e.do(t, &admin, http.MethodPost, otherPath+"/deactivate", nil)
		requireStatus(t, rec, http.StatusOK, "")
		require.False(t, decode[Company](t, rec).Active)
		rec = e.do(t, &admin, http.MethodPost, otherPath+"/activate", nil)
		requireStatus(t, rec, http.StatusOK, "")
		require.True(t, decode[Company](t, rec).Active)
		requireStatus(t, e.do(t, &admin, http.MethodPost, base+"/"+uuid.NewString()+"/activate", nil), 404, "company_not_found")
	})
}

func TestListCompanies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := platformAdmin()
	var all []uuid.UUID
	for i := range 7 {
		all = append(all, e.company(t, "Company "+string(rune('A'+i))).ID)
	}
	// One user belonging to three companies, with a token scoped to the first.
	p := e.member(t, Company{ID: all[0]}, auth.RoleViewer)
	for _, id := range all[1:3] {
		_, _, err := e.svc.AddMember(context.Background(), id, p.Email, "", auth.RoleCashier)
		require.NoError(t, err)
	}

	collect := func(t *testing.T, who auth.Principal, limit int) []uuid.UUID {
		t.Helper()
		var ids []uuid.UUID
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 20, "pagination does not end")
			url := base + "?limit=" + strconv.Itoa(limit)
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			rec := e.do(t, &who, http.MethodGet, url, nil)
			requireStatus(t, rec, http.StatusOK, "")
			page := decode[httpx.Page[Company]](t, rec)
			require.LessOrEqual(t, len(page.Data), limit)
			for _, c := range page.Data {
				ids = append(ids, c.ID)
			}
			if page.NextCursor == nil {
				return ids
			}
			cursor = *page.NextCursor
		}
	}

	t.Run("platform admin sees every company", func(t *testing.T) {
		t.Parallel()
		for _, limit := range []int{1, 3, 7, 500} {
			require.ElementsMatch(t, all, collect(t, admin, limit))
		}
	})
	t.Run("member sees the companies they belong to", func(t *testing.T) {
		t.Parallel()
		require.ElementsMatch(t, all[:3], collect(t, p, 2))
	})
	t.Run("bad paging parameters", func(t *testing.T) {
		t.Parallel()
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"?limit=0", nil), 400, "invalid_limit")
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"?limit=501", nil), 400, "invalid_limit")
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"?cursor=garbage", nil), 400, "invalid_cursor")
		requireStatus(t, e.do(t, &admin, http.MethodGet, base+"?cursor="+httpx.EncodeCursor(map[string]int{"x": 1}), nil), 400, "invalid_cursor")
	})
	t.Run("service rejects a bad limit", func(t *testing.T) {
		t.Parallel()
		_, _, err := e.svc.ListCompanies(context.Background(), CompanyQuery{Limit: 0})
		require.Equal(t, httpx.InvalidLimit(httpx.MaxLimit), httpx.AsError(err))
		_, _, err = e.svc.ListMembers(context.Background(), all[0], "", httpx.MaxLimit+1)
		require.Equal(t, httpx.InvalidLimit(httpx.MaxLimit), httpx.AsError(err))
		_, _, err = e.svc.ListInvitations(context.Background(), all[0], "", 0)
		require.Equal(t, httpx.InvalidLimit(httpx.MaxLimit), httpx.AsError(err))
	})
}
