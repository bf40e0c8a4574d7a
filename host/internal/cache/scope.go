package cache

import (
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// HostVertical is the Scope.Vertical of the host's own entries.
const HostVertical = "host"

// Limits on what a caller may store.
const (
	// MaxKeyBytes bounds a key or a tag.
	MaxKeyBytes = 512
	// MaxTags bounds the tags of one entry.
	MaxTags = 32
	// MaxValueBytes bounds one value; larger loaded values are returned but
	// not cached.
	MaxValueBytes = 1 << 20
	// MaxTTL bounds an entry's lifetime, and so how long an entry can stay
	// stale when an invalidation is lost.
	MaxTTL = 24 * time.Hour
)

var verticalPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Scope is the namespace of one vertical's entries for one company. Host
// entries use Vertical HostVertical; platform-wide entries use uuid.Nil as
// CompanyID.
type Scope struct {
	Vertical  string
	CompanyID uuid.UUID
}

// Validate reports whether s can name keys.
func (s Scope) Validate() error {
	if !verticalPattern.MatchString(s.Vertical) {
		return fmt.Errorf("%w: scope vertical %q must match %s", ErrInvalid, s.Vertical, verticalPattern)
	}
	return nil
}

// Namespace returns the Redis key prefix of kind within s:
// "nexus:<kind>:<vertical>:<company>:". Vertical names hold no colon and the
// company is a fixed-width UUID, so no suffix can reach another scope.
func (s Scope) Namespace(kind string) string {
	return "nexus:" + kind + ":" + s.Vertical + ":" + s.CompanyID.String() + ":"
}

// String returns "<vertical>/<company>" for logs.
func (s Scope) String() string {
	return s.Vertical + "/" + s.CompanyID.String()
}

func validKey(what, k string) error {
	switch {
	case k == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalid, what)
	case len(k) > MaxKeyBytes:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, what, MaxKeyBytes)
	case !utf8.ValidString(k):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	return nil
}

func validKeys(what string, ks []string) error {
	for _, k := range ks {
		if err := validKey(what, k); err != nil {
			return err
		}
	}
	return nil
}

func validEntry(key string, val []byte, ttl time.Duration, tags []string) error {
	if err := validKey("key", key); err != nil {
		return err
	}
	if err := validTTL(ttl); err != nil {
		return err
	}
	if len(val) > MaxValueBytes {
		return fmt.Errorf("%w: value of %d bytes is over %d", ErrInvalid, len(val), MaxValueBytes)
	}
	return validTags(tags)
}

func validTTL(ttl time.Duration) error {
	if ttl < time.Millisecond || ttl > MaxTTL {
		return fmt.Errorf("%w: ttl %s must be between 1ms and %s", ErrInvalid, ttl, MaxTTL)
	}
	return nil
}

func validTags(tags []string) error {
	if len(tags) > MaxTags {
		return fmt.Errorf("%w: %d tags is over %d", ErrInvalid, len(tags), MaxTags)
	}
	return validKeys("tag", tags)
}
