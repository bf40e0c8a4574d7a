package payments_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/payments"
	"github.com/nexuspos/nexus/host/internal/secrets"
)

// TestPutConfigOneUnit: when the setup's write fails, the credentials it
// carried are not written either (nor audited): the stored ones still
// stand.
func TestPutConfigOneUnit(t *testing.T) {
	pool := testPool(t)
	e := newEnv(t, pool)
	// The configuration row of this company fails to write.
	fn := "fail_config_" + uuid.NewString()[:8]
	_, err := pool.Exec(t.Context(), fmt.Sprintf(`CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.company_id = '%s' THEN RAISE EXCEPTION 'config write fails'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON payment_configs FOR EACH ROW EXECUTE FUNCTION %s()`, fn, e.company, fn, fn))
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := pool.Exec(context.Background(), fmt.Sprintf(`DROP TRIGGER %s ON payment_configs; DROP FUNCTION %s()`, fn, fn))
		require.NoError(t, err)
	})
	audits := func() int {
		var n int
		require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE company_id = $1`, e.company).Scan(&n))
		return n
	}
	before := audits()
	token, secret := "APP_USR-new-token", "whsec-new"
	_, err = e.svc.PutConfig(t.Context(), e.company, payments.ConfigInput{Environment: payments.EnvProduction, CardEnabled: true,
		AccessToken: &token, WebhookSecret: &secret})
	require.Error(t, err)
	for name, want := range map[string]string{payments.SecretAccessToken: accessToken, payments.SecretWebhookSecret: webhookSecret} {
		v, err := e.cfg.Secrets.Get(t.Context(), secrets.Address{CompanyID: e.company, Vertical: payments.SecretNamespace, Name: name})
		require.NoError(t, err)
		require.Equal(t, want, string(v), "%s changed although the setup was not written", name)
	}
	require.Equal(t, before, audits(), "nothing audited")
	cfg, err := e.svc.Config(t.Context(), e.company)
	require.NoError(t, err)
	require.Equal(t, payments.EnvTest, cfg.Environment)
}
