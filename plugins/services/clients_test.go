package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// TestClients: an RFC is checked for its form, and one whose check digit
// does not match is accepted with a warning (the SAT has issued such
// RFCs); a CUIT's check digit must match. Bad input is a 4xx that writes
// nothing; lists page with limit and cursor.
func TestClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	t.Run("mexico", func(t *testing.T) {
		a := mexican(t, h)
		valid, mismatch := newRFC(t)
		c := a.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Despacho Gómez", "tax_id": " " + valid + " ", "email": "pagos@gomez.mx"})
		require.Equal(t, valid, c["tax_id"])
		require.Empty(t, c["warnings"])

		w := a.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Consultora Mismatch", "tax_id": mismatch})
		require.Equal(t, mismatch, w["tax_id"])
		require.Equal(t, []any{"tax_id: " + taxid.WarningCheckDigit}, w["warnings"], "accepted, with a warning")
		got := a.ok(http.StatusOK, "GET", "/clients/"+w["id"].(string), nil)
		require.Equal(t, w["warnings"], got["warnings"], "the warning is kept")

		// The generic RFCs name no taxpayer and may repeat; a real one may not.
		a.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Público 1", "tax_id": taxid.GenericRFC})
		a.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Público 2", "tax_id": taxid.GenericRFC})
		a.fail(http.StatusConflict, "duplicate_tax_id", "POST", "/clients", map[string]any{"name": "Otro", "tax_id": valid})

		for _, tc := range []struct {
			name, body, code string
			status           int
		}{
			{"short RFC", `{"name":"X","tax_id":"GOMA7001"}`, "invalid_tax_id", 422},
			{"RFC with a date that does not exist", `{"name":"X","tax_id":"GOMA701332H10"}`, "invalid_tax_id", 422},
			{"a CUIT in Mexico", `{"name":"X","tax_id":"` + newCUIT(t) + `"}`, "invalid_tax_id", 422},
			{"no tax id", `{"name":"X"}`, "invalid_field", 422},
			{"no name", `{"tax_id":"` + taxid.GenericRFC + `"}`, "invalid_field", 422},
			{"bad email", `{"name":"X","tax_id":"` + taxid.GenericRFC + `","email":"nope"}`, "invalid_field", 422},
			{"unknown field", `{"name":"X","tax_id":"` + taxid.GenericRFC + `","phone":"1"}`, "unknown_field", 400},
			{"malformed", `{"name":`, "invalid_json", 400},
			{"wrong type", `{"name":5}`, "invalid_field", 400},
		} {
			a.fail(tc.status, tc.code, "POST", "/clients", tc.body)
		}
		rows, _ := a.page("/clients?limit=500")
		require.Len(t, rows, 4, "refused clients wrote nothing")

		a.as(sdk.RoleCashier).fail(http.StatusForbidden, "insufficient_role", "POST", "/clients", map[string]any{"name": "X", "tax_id": taxid.GenericRFC})
		a.fail(http.StatusNotFound, "not_found", "GET", "/clients/not-a-uuid", nil)
	})

	t.Run("argentina", func(t *testing.T) {
		b := argentine(t, h)
		cuit := newCUIT(t)
		c := b.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Estudio Pérez SRL", "tax_id": cuit[:2] + "-" + cuit[2:10] + "-" + cuit[10:]})
		require.Equal(t, cuit, c["tax_id"])
		require.Empty(t, c["warnings"])
		wrong := cuit[:10] + string('0'+(cuit[10]-'0'+1)%10)
		e := b.fail(http.StatusUnprocessableEntity, "invalid_tax_id", "POST", "/clients", map[string]any{"name": "X", "tax_id": wrong})
		require.Equal(t, "tax_id", e["details"].(map[string]any)["field"])
		valid, _ := newRFC(t)
		b.fail(http.StatusUnprocessableEntity, "invalid_tax_id", "POST", "/clients", map[string]any{"name": "X", "tax_id": valid})
	})

	t.Run("pages", func(t *testing.T) {
		a := mexican(t, h)
		for _, n := range []string{"Delta", "Alfa", "Charlie", "Bravo", "Echo"} {
			a.client(n)
		}
		var names []any
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 3)
			rows, next := a.page("/clients?limit=2" + cursor)
			for _, r := range rows {
				names = append(names, r["name"])
			}
			if next == nil {
				break
			}
			cursor = "&cursor=" + *next
		}
		require.Equal(t, []any{"Alfa", "Bravo", "Charlie", "Delta", "Echo"}, names)
		a.fail(http.StatusBadRequest, "invalid_limit", "GET", "/clients?limit=501", nil)
		a.fail(http.StatusBadRequest, "invalid_limit", "GET", "/clients?limit=0", nil)
		a.fail(http.StatusBadRequest, "invalid_cursor", "GET", "/clients?cursor=garbage", nil)
	})
}
