// Package config reads the host's NEXUS_* environment variables into one
// validated struct: it is the only place the host reads them (tests' own
// NEXUS_TEST_* variables aside), and it chooses the environment plugins run
// with (PluginEnv, which forwards NEXUS_VERTICAL_*). It only parses; it
// opens nothing, and no other package calls os.Getenv for a NEXUS_*
// variable.
//
// To add a variable: add a field to Config naming it, read it in Load with
// the matching reader (str, addr, dur, count, flag, limit, keyring), document it in the
// README's table, and add its good and bad values to config_test.go.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/reporting"
	"github.com/nexuspos/nexus/host/internal/secrets"
)

// Config is the host's configuration. Every field comes from one NEXUS_*
// variable, documented in the README; a zero duration or limit marked
// "package default" leaves the choice to the package that uses it.
type Config struct {
	HTTPAddr        string        // NEXUS_HTTP_ADDR
	DatabaseURL     string        // NEXUS_DATABASE_URL
	RedisURL        string        // NEXUS_REDIS_URL (validated)
	PluginDir       string        // NEXUS_PLUGIN_DIR
	PluginLock      string        // NEXUS_PLUGIN_LOCK
	JWTSecret       string        // NEXUS_JWT_SECRET
	Env             string        // NEXUS_ENV
	LogFormat       string        // NEXUS_LOG_FORMAT
	LogLevel        string        // NEXUS_LOG_LEVEL
	MaxBodyBytes    int64         // NEXUS_MAX_BODY_BYTES
	ShutdownTimeout time.Duration // NEXUS_SHUTDOWN_TIMEOUT
	RequestTimeout  time.Duration // NEXUS_REQUEST_TIMEOUT
	HealthInterval  time.Duration // NEXUS_PLUGIN_HEALTH_INTERVAL
	AdminEmail      string        // NEXUS_BOOTSTRAP_ADMIN_EMAIL
	AdminPassword   string        // NEXUS_BOOTSTRAP_ADMIN_PASSWORD
	Demo            bool          // NEXUS_DEMO
	DebugAddr       string        // NEXUS_DEBUG_ADDR
	MetricsAddr     string        // NEXUS_METRICS_ADDR (host:port; empty: metrics off)
	IdempotencyTTL  time.Duration // NEXUS_IDEMPOTENCY_TTL
	PruneInterval   time.Duration // NEXUS_PRUNE_INTERVAL
	// CFDIPACURL sends every Mexican company's PAC requests to this URL
	// instead of SW sapien's test or production environment, as the
	// company's settings choose (NEXUS_CFDI_PAC_URL; empty: SW's).
	CFDIPACURL string

	// DrainDelay is how long a host told to stop keeps serving while its
	// /readyz answers 503, so that load balancers take it out of rotation
	// before it stops accepting connections (NEXUS_DRAIN_DELAY; 0: none).
	DrainDelay time.Duration

	// PluginRestartMax caps the wait between restarts of a crashing
	// plugin (NEXUS_PLUGIN_RESTART_MAX_BACKOFF).
	PluginRestartMax time.Duration

	// MVRefreshInterval is the scheduled refresh period of the reporting
	// views (NEXUS_MV_REFRESH_INTERVAL).
	MVRefreshInterval time.Duration
	// MVSLA is the age past which the views are reported stale
	// (NEXUS_MV_SLA, default MVRefreshInterval).
	MVSLA time.Duration

	// RateLimits are the per-class API limits (NEXUS_RATE_LIMIT_ANONYMOUS,
	// NEXUS_RATE_LIMIT_AUTHENTICATED, NEXUS_RATE_LIMIT_WRITE).
	RateLimits ratelimit.Classes
	// LoginPerIP and LoginPerEmail limit login attempts
	// (NEXUS_RATE_LIMIT_LOGIN_IP, NEXUS_RATE_LIMIT_LOGIN_EMAIL; zero:
	// package default).
	LoginPerIP, LoginPerEmail ratelimit.Limit
	// WebhookLimit limits public webhook calls per company
	// (NEXUS_RATE_LIMIT_WEBHOOK; zero: off).
	WebhookLimit ratelimit.Limit

	// JobPollInterval is how often a replica looks for due jobs
	// (NEXUS_JOBS_POLL_INTERVAL); JobTimeout bounds one attempt of a job
	// whose manifest sets none (NEXUS_JOBS_TIMEOUT).
	JobPollInterval time.Duration
	JobTimeout      time.Duration

	// MercadoPago configures payments through Mercado Pago:
	// NEXUS_MERCADOPAGO_BASE_URL replaces the provider's API address in
	// every environment (a sandbox, or a fake in tests; empty: Mercado
	// Pago's), NEXUS_MERCADOPAGO_POLL_AFTER is how long a payment stays
	// open before the poll job asks about it (2m) and
	// NEXUS_MERCADOPAGO_POLL_INTERVAL how often that job runs (1m).
	MercadoPagoBaseURL      string
	MercadoPagoPollAfter    time.Duration
	MercadoPagoPollInterval time.Duration

	// SecretsKeys seal and open the verticals' secrets: NEXUS_SECRETS_KEY
	// (the current key, "[<id>:]<base64 of 32 bytes>") and
	// NEXUS_SECRETS_KEY_PREVIOUS (comma-separated keys that only open rows
	// not rotated yet). Empty when unset: serve then refuses to start
	// unless NEXUS_ENV=dev.
	SecretsKeys secrets.Keyring

	// AFIPWSAAURL and AFIPWSFEURL replace the AFIP endpoints that a
	// company's fiscal environment selects (NEXUS_AFIP_WSAA_URL,
	// NEXUS_AFIP_WSFE_URL; empty: AFIP's own), for tests and proxies.
	AFIPWSAAURL string
	AFIPWSFEURL string

	// Events configures the event bus: NEXUS_AMQP_URL (validated),
	// NEXUS_EVENTS_PREFIX, NEXUS_EVENTS_PREFETCH, NEXUS_EVENTS_POLL_INTERVAL,
	// NEXUS_EVENTS_RETENTION, NEXUS_EVENTS_HANDLER_TIMEOUT (zero: package
	// default).
	Events events.Config
}

// Defaults of the variables whose default the host itself chooses.
const (
	DefaultDatabaseURL      = "postgres://postgres@127.0.0.1:5432/nexus?sslmode=disable"
	DefaultPluginRestartMax = time.Minute
)

// DefaultWebhookLimit is NEXUS_RATE_LIMIT_WEBHOOK's default: 600 calls a
// minute per company, 100 at once.
var DefaultWebhookLimit = ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 100}

// Dev reports whether the host runs in development mode, which relaxes
// secrets.
func (c Config) Dev() bool { return c.Env == "dev" }

// Load reads the configuration through getenv (os.Getenv in production).
// Every bad value is reported, each naming its variable.
func Load(getenv func(string) string) (Config, error) {
	e := &reader{getenv: getenv}
	c := Config{
		HTTPAddr:          e.str("NEXUS_HTTP_ADDR", ":8080"),
		DatabaseURL:       e.str("NEXUS_DATABASE_URL", DefaultDatabaseURL),
		RedisURL:          e.str("NEXUS_REDIS_URL", ""),
		PluginDir:         e.str("NEXUS_PLUGIN_DIR", "./bin/plugins"),
		PluginLock:        e.str("NEXUS_PLUGIN_LOCK", ""),
		JWTSecret:         e.str("NEXUS_JWT_SECRET", ""),
		Env:               e.oneOf("NEXUS_ENV", "production", "dev", "test", "production"),
		LogFormat:         e.oneOf("NEXUS_LOG_FORMAT", "text", "text", "json"),
		LogLevel:          e.oneOf("NEXUS_LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error"),
		MaxBodyBytes:      int64(e.count("NEXUS_MAX_BODY_BYTES", 1<<20, 1<<40)),
		ShutdownTimeout:   e.dur("NEXUS_SHUTDOWN_TIMEOUT", 15*time.Second),
		DrainDelay:        e.wait("NEXUS_DRAIN_DELAY"),
		RequestTimeout:    e.dur("NEXUS_REQUEST_TIMEOUT", 30*time.Second),
		HealthInterval:    e.dur("NEXUS_PLUGIN_HEALTH_INTERVAL", 5*time.Second),
		PluginRestartMax:  e.dur("NEXUS_PLUGIN_RESTART_MAX_BACKOFF", time.Minute),
		AdminEmail:        e.str("NEXUS_BOOTSTRAP_ADMIN_EMAIL", ""),
		AdminPassword:     e.str("NEXUS_BOOTSTRAP_ADMIN_PASSWORD", ""),
		Demo:              e.flag("NEXUS_DEMO"),
		DebugAddr:         e.str("NEXUS_DEBUG_ADDR", ""),
		MetricsAddr:       e.addr("NEXUS_METRICS_ADDR"),
		IdempotencyTTL:    e.dur("NEXUS_IDEMPOTENCY_TTL", 24*time.Hour),
		PruneInterval:     e.dur("NEXUS_PRUNE_INTERVAL", 10*time.Minute),
		CFDIPACURL:        e.str("NEXUS_CFDI_PAC_URL", ""),
		MVRefreshInterval: e.dur("NEXUS_MV_REFRESH_INTERVAL", reporting.DefaultInterval),
		MVSLA:             e.dur("NEXUS_MV_SLA", 0),
		RateLimits: ratelimit.Classes{
			Anonymous:     e.limit("NEXUS_RATE_LIMIT_ANONYMOUS", ratelimit.DefaultClasses().Anonymous, true),
			Authenticated: e.limit("NEXUS_RATE_LIMIT_AUTHENTICATED", ratelimit.DefaultClasses().Authenticated, true),
			Write:         e.limit("NEXUS_RATE_LIMIT_WRITE", ratelimit.DefaultClasses().Write, true),
			APIKey:        e.limit("NEXUS_RATE_LIMIT_API_KEY", ratelimit.DefaultClasses().APIKey, true),
		},
		SecretsKeys:     e.keyring("NEXUS_SECRETS_KEY", "NEXUS_SECRETS_KEY_PREVIOUS"),
		LoginPerIP:      e.limit("NEXUS_RATE_LIMIT_LOGIN_IP", ratelimit.Limit{}, false),
		LoginPerEmail:   e.limit("NEXUS_RATE_LIMIT_LOGIN_EMAIL", ratelimit.Limit{}, false),
		WebhookLimit:    e.limit("NEXUS_RATE_LIMIT_WEBHOOK", DefaultWebhookLimit, true),
		JobPollInterval: e.dur("NEXUS_JOBS_POLL_INTERVAL", time.Second),
		JobTimeout:      e.dur("NEXUS_JOBS_TIMEOUT", 5*time.Minute),

		MercadoPagoBaseURL:      e.str("NEXUS_MERCADOPAGO_BASE_URL", ""),
		MercadoPagoPollAfter:    e.dur("NEXUS_MERCADOPAGO_POLL_AFTER", 2*time.Minute),
		MercadoPagoPollInterval: e.dur("NEXUS_MERCADOPAGO_POLL_INTERVAL", time.Minute),
		AFIPWSAAURL:             e.httpURL("NEXUS_AFIP_WSAA_URL"),
		AFIPWSFEURL:             e.httpURL("NEXUS_AFIP_WSFE_URL"),
		Events: events.Config{
			AMQPURL:        e.str("NEXUS_AMQP_URL", ""),
			Prefix:         e.str("NEXUS_EVENTS_PREFIX", ""),
			Prefetch:       e.count("NEXUS_EVENTS_PREFETCH", 0, 65535),
			PollInterval:   e.dur("NEXUS_EVENTS_POLL_INTERVAL", 0),
			Retention:      e.dur("NEXUS_EVENTS_RETENTION", 0),
			HandlerTimeout: e.dur("NEXUS_EVENTS_HANDLER_TIMEOUT", 0),
		},
	}
	// The event tables are pruned as often as the host's other tables.
	c.Events.PruneInterval = c.PruneInterval
	if c.MVSLA == 0 {
		c.MVSLA = c.MVRefreshInterval
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		e.errs = append(e.errs, errors.New("NEXUS_BOOTSTRAP_ADMIN_EMAIL and NEXUS_BOOTSTRAP_ADMIN_PASSWORD go together"))
	}
	if u := c.MercadoPagoBaseURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			e.errs = append(e.errs, errors.New("NEXUS_MERCADOPAGO_BASE_URL: want an http(s) URL"))
		}
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			e.errs = append(e.errs, fmt.Errorf("NEXUS_REDIS_URL: want redis://[user:password@]host:port[/db]: %w", redact(err)))
		}
	}
	if c.Events.AMQPURL != "" {
		if _, err := amqp.ParseURI(c.Events.AMQPURL); err != nil {
			e.errs = append(e.errs, fmt.Errorf("NEXUS_AMQP_URL: want amqp[s]://user:password@host[:port][/vhost]: %w", redact(err)))
		}
	}
	return c, errors.Join(e.errs...)
}

// PluginEnv returns the part of environ (os.Environ in production) that
// plugins run with: the basics (PATH, HOME, TMPDIR, TZ, LANG, LC_*) and
// the NEXUS_VERTICAL_* variables. Nothing else of the host's environment —
// its database URL, its secret — reaches a plugin.
func PluginEnv(environ []string) []string {
	out := []string{}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH", k == "HOME", k == "TMPDIR", k == "TZ", k == "LANG", strings.HasPrefix(k, "LC_"),
			strings.HasPrefix(k, "NEXUS_VERTICAL_"):
			out = append(out, kv)
		}
	}
	return out
}

// redact drops the URL (and so any password in it) from a URL parse error.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// reader reads variables through getenv, collecting every bad value.
type reader struct {
	getenv func(string) string
	errs   []error
}

func (e *reader) bad(key, v, want string) {
	e.errs = append(e.errs, fmt.Errorf("%s=%q: want %s", key, v, want))
}

// str returns the value of key, or def when unset.
func (e *reader) str(key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

// oneOf returns the value of key, which must be one of allowed, or def.
func (e *reader) oneOf(key, def string, allowed ...string) string {
	v := e.str(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.bad(key, v, fmt.Sprintf("one of %q", allowed))
	return def
}

// dur returns the positive duration in key, or def when unset.
func (e *reader) dur(key string, def time.Duration) time.Duration {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.bad(key, v, "a positive duration such as 15s")
		return def
	}
	return d
}

// wait returns the duration in key, zero or more; zero when unset.
func (e *reader) wait(key string) time.Duration {
	v := e.getenv(key)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.bad(key, v, "a duration such as 10s, or 0s for none")
		return 0
	}
	return d
}

// count returns the whole number in key, between 1 and limit, or def when
// unset.
func (e *reader) count(key string, def, limit int) int {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > limit {
		e.bad(key, v, fmt.Sprintf("a whole number between 1 and %d", limit))
		return def
	}
	return n
}

// addr returns the listen address in key ([host]:port), "" when unset.
func (e *reader) addr(key string) string {
	v := e.getenv(key)
	if v == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		e.bad(key, v, "a listen address such as 127.0.0.1:9464 or :9464")
		return ""
	}
	return v
}

// flag returns the boolean in key, false when unset.
// httpURL reads an absolute http or https URL ("" when unset).
func (e *reader) httpURL(key string) string {
	v := e.str(key, "")
	if v == "" {
		return ""
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.bad(key, v, "an http or https URL")
		return ""
	}
	return v
}

func (e *reader) flag(key string) bool {
	v := e.getenv(key)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.bad(key, v, "true or false")
	}
	return b
}

// limit returns the rate limit in key (ratelimit.ParseLimit's syntax), or
// def when unset; "off" is accepted only where offOK.
func (e *reader) limit(key string, def ratelimit.Limit, offOK bool) ratelimit.Limit {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	l, err := ratelimit.ParseLimit(v)
	if err == nil && l.Rate == 0 && !offOK {
		err = errors.New("this limit cannot be off")
	}
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want <rate>/<period>[:<burst>]: %w", key, v, err))
		return def
	}
	return l
}

// keyring returns the secrets keys in current and previous. Its errors
// name the variable, never the value: it is a key.
func (e *reader) keyring(current, previous string) secrets.Keyring {
	kr, err := secrets.ParseKeyring(e.getenv(current), e.getenv(previous))
	if err != nil {
		e.errs = append(e.errs, err)
	}
	return kr
}

// Logger returns the host's root logger as configured.
func (c Config) Logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:            "nexus",
		Level:           hclog.LevelFromString(c.LogLevel),
		JSONFormat:      c.LogFormat == "json",
		IncludeLocation: false,
	})
}
