package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// MinSecretLen is the shortest accepted JWT signing secret, in bytes.
const MinSecretLen = 32

// Defaults applied by NewService to a zero Config field.
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// DefaultLoginPerIP is the login attempt limit per client IP: generous, as an
// office behind one NAT address may start many shifts at once.
var DefaultLoginPerIP = ratelimit.Limit{Rate: 30, Period: time.Minute, Burst: 30}

// DefaultLoginPerEmail is the login attempt limit per email address.
var DefaultLoginPerEmail = ratelimit.Limit{Rate: 5, Period: time.Minute, Burst: 5}

// Config configures a Service. Zero fields take the defaults above;
// Secret is required.
type Config struct {
	// Secret signs access tokens (HS256); at least MinSecretLen bytes.
	Secret []byte
	// AccessTTL is the lifetime of an access token (default 15 minutes).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token, renewed on every
	// rotation (default 30 days).
	RefreshTTL time.Duration
	// LoginPerIP and LoginPerEmail limit login attempts.
	LoginPerIP    ratelimit.Limit
	LoginPerEmail ratelimit.Limit
	// BcryptCost is the cost of hashes made by CreateAdmin and of the dummy
	// hash compared when an email is unknown; it should match the cost of
	// the stored hashes (HashPassword uses bcrypt.DefaultCost). Tests set
	// bcrypt.MinCost for speed. Default bcrypt.DefaultCost.
	BcryptCost int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	if len(c.Secret) < MinSecretLen {
		return c, fmt.Errorf("auth config: secret must be at least %d bytes, got %d", MinSecretLen, len(c.Secret))
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = DefaultAccessTTL
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.AccessTTL < 0 || c.RefreshTTL < 0 {
		return c, errors.New("auth config: token lifetimes must be positive")
	}
	if c.LoginPerIP == (ratelimit.Limit{}) {
		c.LoginPerIP = DefaultLoginPerIP
	}
	if c.LoginPerEmail == (ratelimit.Limit{}) {
		c.LoginPerEmail = DefaultLoginPerEmail
	}
	if err := c.LoginPerIP.Validate(); err != nil {
		return c, fmt.Errorf("auth config: login per IP: %w", err)
	}
	if err := c.LoginPerEmail.Validate(); err != nil {
		return c, fmt.Errorf("auth config: login per email: %w", err)
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = bcrypt.DefaultCost
	}
	if c.BcryptCost < bcrypt.MinCost || c.BcryptCost > bcrypt.MaxCost {
		return c, fmt.Errorf("auth config: bcrypt cost %d out of range [%d, %d]", c.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// LoadSecret turns the NEXUS_JWT_SECRET value into a signing secret. The
// value is used as is and must be at least MinSecretLen bytes. When it is
// empty and dev is true (NEXUS_ENV=dev), a random secret is generated and
// generated is true: the caller should warn that tokens will not survive a
// restart. Outside dev an empty value is an error.
func LoadSecret(value string, dev bool) (secret []byte, generated bool, err error) {
	if value == "" {
		if !dev {
			return nil, false, fmt.Errorf("NEXUS_JWT_SECRET is required (at least %d bytes) unless NEXUS_ENV=dev", MinSecretLen)
		}
		secret = make([]byte, MinSecretLen)
		if _, err := rand.Read(secret); err != nil {
			return nil, false, fmt.Errorf("generate jwt secret: %w", err)
		}
		return secret, true, nil
	}
	if len(value) < MinSecretLen {
		return nil, false, fmt.Errorf("NEXUS_JWT_SECRET must be at least %d bytes, got %d", MinSecretLen, len(value))
	}
	return []byte(value), false, nil
}
