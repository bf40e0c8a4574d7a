package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// issuer is the iss claim of every access token.
const issuer = "nexus"

// ClockSkew is the leeway allowed on an access token's expiry and issue
// times, for host replicas whose clocks differ slightly.
const ClockSkew = 5 * time.Second

// accessClaims are the claims of an access token. Only the user id, company
// id and session id are trusted; the role is always read from the database.
type accessClaims struct {
	jwt.RegisteredClaims
	// CompanyID is the company the token is scoped to, or "" for none.
	CompanyID string `json:"cid"`
	// PlatformAdmin is informative only: the database decides.
	PlatformAdmin bool `json:"pa"`
	// SessionID is the refresh-token family the token was issued with;
	// revoking the family invalidates the access token too.
	SessionID string `json:"sid"`
}

// tokenSubject is what a verified access token says about its bearer.
type tokenSubject struct {
	UserID    uuid.UUID
	CompanyID uuid.NullUUID
	SessionID uuid.UUID
}

var errInvalidToken = errors.New("invalid access token")

func (s *Service) signAccess(userID uuid.UUID, companyID uuid.NullUUID, platformAdmin bool, sessionID uuid.UUID) (string, error) {
	now := s.cfg.Now()
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   userID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)),
			ID:        uuid.NewString(),
		},
		PlatformAdmin: platformAdmin,
		SessionID:     sessionID.String(),
	}
	if companyID.Valid {
		c.CompanyID = companyID.UUID.String()
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.Secret)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return tok, nil
}

// parseAccess verifies raw (HS256 only, issuer, expiry, issued-at) and
// returns its subject.
func (s *Service) parseAccess(raw string) (tokenSubject, error) {
	var c accessClaims
	_, err := s.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return s.cfg.Secret, nil })
	if err != nil {
		return tokenSubject{}, fmt.Errorf("%w: %w", errInvalidToken, err)
	}
	var sub tokenSubject
	if sub.UserID, err = uuid.Parse(c.Subject); err != nil {
		return tokenSubject{}, fmt.Errorf("%w: subject: %w", errInvalidToken, err)
	}
	if sub.SessionID, err = uuid.Parse(c.SessionID); err != nil {
		return tokenSubject{}, fmt.Errorf("%w: session: %w", errInvalidToken, err)
	}
	if c.CompanyID != "" {
		cid, err := uuid.Parse(c.CompanyID)
		if err != nil {
			return tokenSubject{}, fmt.Errorf("%w: company: %w", errInvalidToken, err)
		}
		sub.CompanyID = uuid.NullUUID{UUID: cid, Valid: true}
	}
	return sub, nil
}

func newParser(now func() time.Time) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
		jwt.WithLeeway(ClockSkew),
	)
}

// opaqueTokenBytes is the entropy of refresh and invitation tokens.
const opaqueTokenBytes = 32

// NewOpaqueToken returns a random bearer secret (32 bytes, base64url) and
// the hash to store for it: refresh tokens and invitation tokens are made
// here and only their hashes are kept.
func NewOpaqueToken() (token string, hash []byte, err error) {
	b := make([]byte, opaqueTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("generate token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashOpaqueToken(token), nil
}

// HashOpaqueToken is the lookup key of a presented opaque token. Tokens
// have full entropy, so a plain SHA-256 is enough.
func HashOpaqueToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
