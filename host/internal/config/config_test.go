package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/reporting"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.Equal(t, config.DefaultDatabaseURL, c.DatabaseURL)
	require.Equal(t, "production", c.Env)
	require.Equal(t, int64(1<<20), c.MaxBodyBytes)
	require.Equal(t, 5*time.Second, c.HealthInterval)
	require.Equal(t, time.Minute, c.PluginRestartMax)
	require.Equal(t, reporting.DefaultInterval, c.MVRefreshInterval)
	require.Equal(t, reporting.DefaultInterval, c.MVSLA, "the SLA defaults to the refresh interval")
	require.Equal(t, ratelimit.DefaultClasses(), c.RateLimits)
	require.Zero(t, c.LoginPerIP)
	require.Empty(t, c.Events.AMQPURL)
	require.Zero(t, c.Events.Prefetch)
	require.False(t, c.Demo)
	require.Empty(t, c.MetricsAddr, "metrics are off unless NEXUS_METRICS_ADDR is set")
	require.Zero(t, c.DrainDelay, "a stopping host drains without delay unless NEXUS_DRAIN_DELAY is set")
}

func TestLoadValues(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{
		"NEXUS_ENV":                        "dev",
		"NEXUS_MAX_BODY_BYTES":             "2048",
		"NEXUS_DEMO":                       "1",
		"NEXUS_MV_REFRESH_INTERVAL":        "10m",
		"NEXUS_MV_SLA":                     "15m",
		"NEXUS_PLUGIN_RESTART_MAX_BACKOFF": "2s",
		"NEXUS_REDIS_URL":                  "redis://127.0.0.1:6379/2",
		"NEXUS_AMQP_URL":                   "amqp://guest:guest@127.0.0.1:5672/",
		"NEXUS_EVENTS_PREFIX":              "t.",
		"NEXUS_EVENTS_PREFETCH":            "64",
		"NEXUS_EVENTS_POLL_INTERVAL":       "500ms",
		"NEXUS_EVENTS_RETENTION":           "48h",
		"NEXUS_EVENTS_HANDLER_TIMEOUT":     "5s",
		"NEXUS_RATE_LIMIT_ANONYMOUS":       "5/1m:5",
		"NEXUS_RATE_LIMIT_WRITE":           "off",
		"NEXUS_RATE_LIMIT_LOGIN_IP":        "100/1m",
		"NEXUS_RATE_LIMIT_WEBHOOK":         "30/1m:10",
		"NEXUS_JOBS_POLL_INTERVAL":         "200ms",
		"NEXUS_JOBS_TIMEOUT":               "1m",
		"NEXUS_METRICS_ADDR":               "127.0.0.1:9464",
		"NEXUS_DRAIN_DELAY":                "10s",
		"NEXUS_AFIP_WSAA_URL":              "http://127.0.0.1:8081/ws/services/LoginCms",
		"NEXUS_AFIP_WSFE_URL":              "http://127.0.0.1:8081/wsfev1/service.asmx",
	}))
	require.NoError(t, err)
	require.True(t, c.Dev())
	require.Equal(t, "http://127.0.0.1:8081/ws/services/LoginCms", c.AFIPWSAAURL)
	require.Equal(t, "http://127.0.0.1:8081/wsfev1/service.asmx", c.AFIPWSFEURL)
	require.Equal(t, int64(2048), c.MaxBodyBytes)
	require.True(t, c.Demo)
	require.Equal(t, 10*time.Minute, c.MVRefreshInterval)
	require.Equal(t, 15*time.Minute, c.MVSLA)
	require.Equal(t, 2*time.Second, c.PluginRestartMax)
	require.Equal(t, "redis://127.0.0.1:6379/2", c.RedisURL)
	require.Equal(t, "amqp://guest:guest@127.0.0.1:5672/", c.Events.AMQPURL)
	require.Equal(t, "t.", c.Events.Prefix)
	require.Equal(t, 64, c.Events.Prefetch)
	require.Equal(t, 500*time.Millisecond, c.Events.PollInterval)
	require.Equal(t, 48*time.Hour, c.Events.Retention)
	require.Equal(t, 5*time.Second, c.Events.HandlerTimeout)
	require.Equal(t, ratelimit.Limit{Rate: 5, Period: time.Minute, Burst: 5}, c.RateLimits.Anonymous)
	require.Equal(t, ratelimit.DefaultClasses().Authenticated, c.RateLimits.Authenticated)
	require.Zero(t, c.RateLimits.Write)
	require.Equal(t, ratelimit.Limit{Rate: 100, Period: time.Minute, Burst: 100}, c.LoginPerIP)
	require.Equal(t, ratelimit.Limit{Rate: 30, Period: time.Minute, Burst: 10}, c.WebhookLimit)
	require.Equal(t, 200*time.Millisecond, c.JobPollInterval)
	require.Equal(t, time.Minute, c.JobTimeout)
	require.Equal(t, "127.0.0.1:9464", c.MetricsAddr)
	require.Equal(t, 10*time.Second, c.DrainDelay)
}

// TestLoadRejects checks that every bad value is refused with an error
// naming its variable and saying what is wanted, and never echoing a
// password.
func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value string
		want       string // part of the message besides the variable's name
	}{
		{"NEXUS_ENV", "staging", "want one of"},
		{"NEXUS_LOG_FORMAT", "xml", "want one of"},
		{"NEXUS_LOG_LEVEL", "loud", "want one of"},
		{"NEXUS_MAX_BODY_BYTES", "0", "whole number"},
		{"NEXUS_MAX_BODY_BYTES", "1MB", "whole number"},
		{"NEXUS_SHUTDOWN_TIMEOUT", "15", "positive duration"},
		{"NEXUS_DRAIN_DELAY", "-1s", "0s for none"},
		{"NEXUS_DRAIN_DELAY", "10", "0s for none"},
		{"NEXUS_REQUEST_TIMEOUT", "-1s", "positive duration"},
		{"NEXUS_PLUGIN_HEALTH_INTERVAL", "0s", "positive duration"},
		{"NEXUS_PLUGIN_RESTART_MAX_BACKOFF", "soon", "positive duration"},
		{"NEXUS_IDEMPOTENCY_TTL", "1d", "positive duration"},
		{"NEXUS_PRUNE_INTERVAL", "x", "positive duration"},
		{"NEXUS_JOBS_POLL_INTERVAL", "0s", "positive duration"},
		{"NEXUS_JOBS_TIMEOUT", "soon", "positive duration"},
		{"NEXUS_RATE_LIMIT_WEBHOOK", "many", "<rate>/<period>"},
		{"NEXUS_MV_REFRESH_INTERVAL", "hourly", "positive duration"},
		{"NEXUS_MV_SLA", "0", "positive duration"},
		{"NEXUS_DEMO", "yes please", "true or false"},
		{"NEXUS_METRICS_ADDR", "9464", "listen address"},
		{"NEXUS_AFIP_WSAA_URL", "wsaahomo.afip.gov.ar", "http or https URL"},
		{"NEXUS_AFIP_WSFE_URL", "ftp://127.0.0.1/wsfe", "http or https URL"},
		{"NEXUS_METRICS_ADDR", "127.0.0.1:", "listen address"},
		{"NEXUS_EVENTS_PREFETCH", "0", "between 1 and 65535"},
		{"NEXUS_EVENTS_PREFETCH", "70000", "between 1 and 65535"},
		{"NEXUS_EVENTS_POLL_INTERVAL", "-1s", "positive duration"},
		{"NEXUS_EVENTS_RETENTION", "forever", "positive duration"},
		{"NEXUS_EVENTS_HANDLER_TIMEOUT", "5", "positive duration"},
		{"NEXUS_RATE_LIMIT_ANONYMOUS", "lots", "<rate>/<period>"},
		{"NEXUS_RATE_LIMIT_AUTHENTICATED", "10/fortnight", "period"},
		{"NEXUS_RATE_LIMIT_WRITE", "1/0s", "<rate>/<period>"},
		{"NEXUS_RATE_LIMIT_LOGIN_IP", "off", "cannot be off"},
		{"NEXUS_RATE_LIMIT_LOGIN_EMAIL", "5", "<rate>/<period>"},
		{"NEXUS_REDIS_URL", "http://s3cret@127.0.0.1:6379", "want redis://"},
		{"NEXUS_REDIS_URL", "redis://u:s3cret@127.0.0.1:6379/db", "want redis://"},
		{"NEXUS_AMQP_URL", "rabbit://guest:s3cret@127.0.0.1", "want amqp"},
		{"NEXUS_AMQP_URL", "amqp://guest:s3cret@127.0.0.1:notaport/", "want amqp"},
		{"NEXUS_AMQP_URL", "amqp://guest:s3cret@127.0.0.1:5672/%zz", "want amqp"},
		{"NEXUS_AMQP_URL", "127.0.0.1:5672", "want amqp"},
		{"NEXUS_RATE_LIMIT_API_KEY", "many", "<rate>/<period>"},
		// The key's value must never be echoed: s3cret stands for it.
		{"NEXUS_SECRETS_KEY", "s3cret", "base64 of 32 random bytes"},
		{"NEXUS_SECRETS_KEY", "prod:s3cretAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "base64 of 32 random bytes"},
		{"NEXUS_SECRETS_KEY", "bad id!:" + testKey, "key id"},
		{"NEXUS_SECRETS_KEY_PREVIOUS", "s3cret", "needs NEXUS_SECRETS_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(map[string]string{tt.key: tt.value}))
			require.Error(t, err)
			require.ErrorContains(t, err, tt.key)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "s3cret")
		})
	}
	t.Run("admin email without password", func(t *testing.T) {
		t.Parallel()
		_, err := config.Load(env(map[string]string{"NEXUS_BOOTSTRAP_ADMIN_EMAIL": "a@example.com"}))
		require.ErrorContains(t, err, "go together")
	})
	t.Run("every bad value is reported", func(t *testing.T) {
		t.Parallel()
		_, err := config.Load(env(map[string]string{"NEXUS_ENV": "x", "NEXUS_AMQP_URL": "x", "NEXUS_DEMO": "x"}))
		require.Equal(t, 3, strings.Count(err.Error(), "NEXUS_"), err.Error())
	})
}

// testKey is a well-formed secrets key (32 bytes, base64).
const testKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func TestLoadSecretsKeys(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.True(t, c.SecretsKeys.Empty(), "no key unless NEXUS_SECRETS_KEY is set")

	other := "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="
	c, err = config.Load(env(map[string]string{
		"NEXUS_SECRETS_KEY":          "k2026:" + testKey,
		"NEXUS_SECRETS_KEY_PREVIOUS": other,
		"NEXUS_RATE_LIMIT_API_KEY":   "10/1s",
	}))
	require.NoError(t, err)
	require.Equal(t, "k2026", c.SecretsKeys.CurrentID())
	require.Len(t, c.SecretsKeys.IDs(), 2, "the previous key opens rows not rotated yet")
	require.Equal(t, ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 10}, c.RateLimits.APIKey)

	_, err = config.Load(env(map[string]string{"NEXUS_SECRETS_KEY": testKey, "NEXUS_SECRETS_KEY_PREVIOUS": testKey + "," + other}))
	require.ErrorContains(t, err, "used twice")
	require.NotContains(t, err.Error(), testKey)
}

func TestPluginEnv(t *testing.T) {
	t.Parallel()
	got := config.PluginEnv([]string{
		"PATH=/bin", "HOME=/root", "LC_ALL=C", "NEXUS_VERTICAL_LOG_LEVEL=debug",
		"NEXUS_DATABASE_URL=postgres://secret", "NEXUS_JWT_SECRET=s3cret", "AWS_SECRET_ACCESS_KEY=x",
	})
	require.Equal(t, []string{"PATH=/bin", "HOME=/root", "LC_ALL=C", "NEXUS_VERTICAL_LOG_LEVEL=debug"}, got)
	require.NotNil(t, config.PluginEnv(nil), "an empty environment, never the host's")
}
