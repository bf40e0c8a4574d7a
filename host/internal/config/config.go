// Package config reads the host's NEXUS_* environment variables into one
// validated struct. It only parses; it opens nothing.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Config is the host's configuration. Every field comes from one NEXUS_*
// variable, documented in the README.
type Config struct {
	HTTPAddr        string        // NEXUS_HTTP_ADDR
	DatabaseURL     string        // NEXUS_DATABASE_URL
	RedisURL        string        // NEXUS_REDIS_URL
	AMQPURL         string        // NEXUS_AMQP_URL
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
	IdempotencyTTL  time.Duration // NEXUS_IDEMPOTENCY_TTL
	PruneInterval   time.Duration // NEXUS_PRUNE_INTERVAL
}

// DefaultDatabaseURL is used when NEXUS_DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/nexus?sslmode=disable"

// Dev reports whether the host runs in development mode, which relaxes
// secrets.
func (c Config) Dev() bool { return c.Env == "dev" }

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	str := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(key string, def time.Duration) time.Duration {
		v := getenv(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 15s", key, v))
			return def
		}
		return d
	}
	c := Config{
		HTTPAddr:        str("NEXUS_HTTP_ADDR", ":8080"),
		DatabaseURL:     str("NEXUS_DATABASE_URL", DefaultDatabaseURL),
		RedisURL:        getenv("NEXUS_REDIS_URL"),
		AMQPURL:         getenv("NEXUS_AMQP_URL"),
		PluginDir:       str("NEXUS_PLUGIN_DIR", "./bin/plugins"),
		PluginLock:      getenv("NEXUS_PLUGIN_LOCK"),
		JWTSecret:       getenv("NEXUS_JWT_SECRET"),
		Env:             str("NEXUS_ENV", "production"),
		LogFormat:       str("NEXUS_LOG_FORMAT", "text"),
		LogLevel:        str("NEXUS_LOG_LEVEL", "info"),
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: dur("NEXUS_SHUTDOWN_TIMEOUT", 15*time.Second),
		RequestTimeout:  dur("NEXUS_REQUEST_TIMEOUT", 30*time.Second),
		HealthInterval:  dur("NEXUS_PLUGIN_HEALTH_INTERVAL", 5*time.Second),
		AdminEmail:      getenv("NEXUS_BOOTSTRAP_ADMIN_EMAIL"),
		AdminPassword:   getenv("NEXUS_BOOTSTRAP_ADMIN_PASSWORD"),
		DebugAddr:       getenv("NEXUS_DEBUG_ADDR"),
		IdempotencyTTL:  dur("NEXUS_IDEMPOTENCY_TTL", 24*time.Hour),
		PruneInterval:   dur("NEXUS_PRUNE_INTERVAL", 10*time.Minute),
	}
	if v := getenv("NEXUS_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("NEXUS_MAX_BODY_BYTES=%q: want a positive number of bytes", v))
		} else {
			c.MaxBodyBytes = n
		}
	}
	if v := getenv("NEXUS_DEMO"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("NEXUS_DEMO=%q: want true or false", v))
		}
		c.Demo = b
	}
	switch c.Env {
	case "dev", "production", "test":
	default:
		errs = append(errs, fmt.Errorf("NEXUS_ENV=%q: want dev, test or production", c.Env))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("NEXUS_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	if hclog.LevelFromString(c.LogLevel) == hclog.NoLevel {
		errs = append(errs, fmt.Errorf("NEXUS_LOG_LEVEL=%q: want trace, debug, info, warn or error", c.LogLevel))
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("NEXUS_BOOTSTRAP_ADMIN_EMAIL and NEXUS_BOOTSTRAP_ADMIN_PASSWORD go together"))
	}
	return c, errors.Join(errs...)
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
