package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// APIKeyPrefix starts every API key, so that a key is recognizable in a
// configuration file or a leaked log (and secret scanners can match it).
const APIKeyPrefix = "nxk_"

// apiKeyBytes is the entropy of an API key.
const apiKeyBytes = 32

// APIKeyShownPrefix is how many leading characters of a key its listing
// shows, to tell keys apart.
const APIKeyShownPrefix = len(APIKeyPrefix) + 8

// lastUseResolution bounds how often a key's last use is written: at most
// once a minute per key, not on every request.
const lastUseResolution = time.Minute

// NewAPIKey returns a new API key (the prefix and 32 random bytes,
// base64url) and the hash to store for it (HashOpaqueToken).
func NewAPIKey() (key string, hash []byte, err error) {
	b := make([]byte, apiKeyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("generate API key: %w", err)
	}
	key = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, HashOpaqueToken(key), nil
}

// IsAPIKey reports whether a bearer credential is an API key rather than an
// access token.
func IsAPIKey(raw string) bool { return strings.HasPrefix(raw, APIKeyPrefix) }

var errBadKey = httpx.Unauthorized("invalid, expired or revoked API key")

// authenticateKey is Authenticate for an API key: the key must exist, be
// neither revoked nor expired (both take effect on the next request: the
// row is read every time), and its company must be active (unless
// allowInactive). The principal acts in the key's company with the key's
// role; its UserID is the key's id.
func (s *Service) authenticateKey(w http.ResponseWriter, r *http.Request, next http.Handler, raw string, allowInactive bool) {
	p, active, err := s.loadKeyPrincipal(r.Context(), raw)
	if errors.Is(err, errInvalidToken) {
		writeUnauthorized(w, r, errBadKey, `Bearer realm="nexus", error="invalid_token"`)
		return
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if !active && !allowInactive {
		httpx.WriteError(w, r, errCompanyInactive)
		return
	}
	ctx := WithPrincipal(r.Context(), p)
	ctx = audit.WithActor(ctx, p.AuditActor())
	next.ServeHTTP(w, r.WithContext(ctx))
}

// loadKeyPrincipal looks the key up by its hash and records its use.
func (s *Service) loadKeyPrincipal(ctx context.Context, raw string) (p Principal, active bool, err error) {
	var (
		role      string
		expiresAt *time.Time
		revoked   bool
		lastUsed  *time.Time
	)
	err = s.pool.QueryRow(ctx, qKeyPrincipal, HashOpaqueToken(raw)).
		Scan(&p.CompanyID, &p.KeyID, &p.KeyName, &role, &active, &expiresAt, &revoked, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, false, fmt.Errorf("%w: unknown API key", errInvalidToken)
	}
	if err != nil {
		return Principal{}, false, fmt.Errorf("authenticate API key: %w", err)
	}
	now := s.cfg.Now()
	if revoked || expiresAt != nil && !now.Before(*expiresAt) {
		return Principal{}, false, fmt.Errorf("%w: API key revoked or expired", errInvalidToken)
	}
	if lastUsed == nil || now.Sub(*lastUsed) >= lastUseResolution {
		if _, err := s.pool.Exec(ctx, qKeyUsed, p.CompanyID, p.KeyID, now); err != nil {
			return Principal{}, false, fmt.Errorf("authenticate API key: record use: %w", err)
		}
	}
	p.UserID = p.KeyID
	p.Role = Role(role)
	return p, active, nil
}

// keyUnsupported refuses API keys on a route that only makes sense for a
// user's session.
func keyUnsupported(p Principal) error {
	if p.APIKey() {
		return httpx.Forbidden("user_required", "this route needs a user's token, not an API key")
	}
	return nil
}
