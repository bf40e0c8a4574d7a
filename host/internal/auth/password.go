package auth

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Password bounds. bcrypt reads at most 72 bytes, so longer passwords are
// refused rather than silently truncated.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 72
	// MaxEmailLen is the longest accepted email address, in bytes.
	MaxEmailLen = 254
)

// NormalizeEmail trims spaces and lower-cases email; every stored and
// looked-up address goes through it.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail normalizes email and checks that it is a plain address
// (local@domain, no display name). A bad address is a 422 invalid_email.
func ValidateEmail(email string) (normalized string, err error) {
	normalized = NormalizeEmail(email)
	bad := httpx.Unprocessable("invalid_email", "email must be a valid address such as name@example.com").
		WithDetails(map[string]any{"field": "email"})
	if normalized == "" || len(normalized) > MaxEmailLen {
		return "", bad
	}
	addr, perr := mail.ParseAddress(normalized)
	if perr != nil || addr.Address != normalized || addr.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(normalized, '@')
	if at <= 0 || !strings.Contains(normalized[at+1:], ".") {
		return "", bad
	}
	return normalized, nil
}

// ValidatePassword checks that password has at least MinPasswordChars
// characters and at most MaxPasswordBytes bytes. A bad password is a 422
// invalid_password.
func ValidatePassword(password string) error {
	switch {
	case !utf8.ValidString(password):
		return invalidPassword("password must be valid UTF-8")
	case utf8.RuneCountInString(password) < MinPasswordChars:
		return invalidPassword(fmt.Sprintf("password must have at least %d characters", MinPasswordChars))
	case len(password) > MaxPasswordBytes:
		return invalidPassword(fmt.Sprintf("password must have at most %d bytes", MaxPasswordBytes))
	}
	return nil
}

func invalidPassword(msg string) error {
	return httpx.Unprocessable("invalid_password", msg).WithDetails(map[string]any{"field": "password"})
}

// HashPassword validates password and returns its bcrypt hash at
// bcrypt.DefaultCost.
func HashPassword(password string) (string, error) {
	return hashPassword(password, bcrypt.DefaultCost)
}

func hashPassword(password string, cost int) (string, error) {
	if err := ValidatePassword(password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// passwordChecked, when set (by tests only, never in parallel), is called
// with every hash checkPassword compares a password against.
var passwordChecked func(hash string)

// checkPassword reports whether password matches hash. It always runs one
// full bcrypt comparison, even for a password too long to have been stored,
// so that every login attempt costs the same.
func checkPassword(hash, password string) bool {
	if passwordChecked != nil {
		passwordChecked(hash)
	}
	tooLong := len(password) > MaxPasswordBytes
	if tooLong {
		password = password[:MaxPasswordBytes]
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	return ok && !tooLong
}
