package afip_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
)

// TestSettingsCheckPointsOfSaleWithAFIP: with credentials stored, every
// configured point of sale must be one of the CUIT's at AFIP for CAE; a
// blocked, withdrawn, CAEA or unknown one is a 422 naming
// config.points_of_sale[i], and the stored settings stay as they were.
func TestSettingsCheckPointsOfSaleWithAFIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.SetPointsOfSale(cuitNumber(c), enabled(3),
		afip.PtoVenta{Nro: 4, EmisionTipo: "CAE", Bloqueado: "S"},
		afip.PtoVenta{Nro: 5, EmisionTipo: "CAE", Bloqueado: "N", FchBaja: "20250101"},
		afip.PtoVenta{Nro: 6, EmisionTipo: "CAEA", Bloqueado: "N"})
	st, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3]}`))
	require.NoError(t, err)
	require.Empty(t, st.Warnings)

	for _, tc := range []struct {
		points, field, reason string
	}{
		{"[3,4]", "config.points_of_sale[1]", "point of sale 4 is blocked at AFIP"},
		{"[5]", "config.points_of_sale[0]", "point of sale 5 was withdrawn at AFIP on 2025-01-01"},
		{"[3,6]", "config.points_of_sale[1]", "point of sale 6 issues with CAEA at AFIP"},
		{"[8]", "config.points_of_sale[0]", "point of sale 8 is not one of CUIT " + c + "'s electronic points of sale at AFIP (usable: 3)"},
	} {
		_, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":`+tc.points+`}`))
		he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
		require.Equal(t, tc.field, he.Details["field"], tc.points)
		require.Contains(t, he.Details["reason"], tc.reason, tc.points)
	}
	require.Equal(t, 5, e.afip.Calls("FEParamGetPtosVenta"), "each PUT asks AFIP")
	stored, err := e.svc.Settings(t.Context(), companyID)
	require.NoError(t, err)
	require.JSONEq(t, `[3]`, string(mustField(t, stored.Config, "points_of_sale")))

	// A CUIT without any electronic point of sale (AFIP's 602).
	e.afip.SetPointsOfSale(cuitNumber(c))
	_, err = e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3]}`))
	he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
	require.Contains(t, he.Details["reason"], "(usable: none)")
	e.requireNoCredentialInLogs(t)
}

func mustField(t *testing.T, raw json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m))
	return m[name]
}

// TestSettingsWithoutAFIPAreStoredWithAWarning: when AFIP cannot be
// reached, or no credentials are stored yet, the settings are stored
// unchecked and the answer and the audit log say so.
func TestSettingsWithoutAFIPAreStoredWithAWarning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.SetPointsOfSale(cuitNumber(c), enabled(3))
	e.afip.SetDown(true)
	st, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3,9]}`))
	require.NoError(t, err)
	require.Len(t, st.Warnings, 1)
	require.Equal(t, "fiscal_settings_unverified", st.Warnings[0].Code)
	require.Contains(t, st.Warnings[0].Message, "AFIP could not be reached")
	stored, err := e.svc.Settings(t.Context(), companyID)
	require.NoError(t, err)
	require.JSONEq(t, `[3,9]`, string(mustField(t, stored.Config, "points_of_sale")))
	require.Empty(t, stored.Warnings, "warnings belong to the PUT's answer")
	var details string
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT details::text FROM audit_log WHERE company_id = $1
		AND action = 'fiscal.settings_changed' ORDER BY at DESC, id DESC LIMIT 1`, companyID).Scan(&details))
	require.Contains(t, details, "fiscal_settings_unverified")

	// Back up, the same settings are refused: AFIP has no point of sale 9.
	e.afip.SetDown(false)
	_, err = e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3,9]}`))
	he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
	require.Equal(t, "config.points_of_sale[1]", he.Details["field"])

	// A company without credentials yet: nothing is asked.
	var other uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(), `INSERT INTO companies (name, country, currency, tax_id, timezone)
		VALUES ('Kiosco', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`, cuit(t, "20", 41234567)).Scan(&other))
	calls := e.afip.Calls("FEParamGetPtosVenta")
	st, err = e.svc.PutSettings(t.Context(), other, fiscalSettings(`{"iva_condition":"monotributo","points_of_sale":[1]}`))
	require.NoError(t, err)
	require.Len(t, st.Warnings, 1)
	require.Contains(t, st.Warnings[0].Message, "afip_certificate and afip_key are not stored yet")
	require.Equal(t, calls, e.afip.Calls("FEParamGetPtosVenta"))
	e.requireNoCredentialInLogs(t)
}

// TestUnrepresentedCUITSurfacesAFIPsCode: a certificate that may not act
// for the configured CUIT gets AFIP's error 600 (not in the certificate's
// relations): a 422 fiscal_authority_error carrying AFIP's code and
// message, for the settings and for the tables alike, without logging in
// again.
func TestUnrepresentedCUITSurfacesAFIPsCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	stranger := cuit(t, "20", 30111222)
	cert, key := e.afip.Credentials(t, stranger)
	putCredential(t, e, companyID, afip.CredentialCertificate, cert)
	putCredential(t, e, companyID, afip.CredentialKey, key)
	_, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3]}`))
	he := requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_authority_error")
	require.Equal(t, "FEParamGetPtosVenta", he.Details["operation"])
	first := he.Details["errors"].([]map[string]any)[0]
	require.Equal(t, "600", first["code"])
	require.Contains(t, first["message"], "No apareció CUIT en lista de relaciones")

	_, err = e.svc.Parameters(t.Context(), companyID, "ar", afip.TableCurrencies, nil)
	he = requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_authority_error")
	require.Equal(t, "600", he.Details["errors"].([]map[string]any)[0]["code"])
	require.Equal(t, 1, e.afip.Calls("LoginCms"), "a missing relation is not an expired ticket")
	e.requireNoCredentialInLogs(t)
}
