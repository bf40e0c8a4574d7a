package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

func TestLoadSecret(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s", auth.MinSecretLen)
	tests := []struct {
		name      string
		value     string
		dev       bool
		wantErr   bool
		generated bool
	}{
		{"production with secret", long, false, false, false},
		{"dev with secret", long, true, false, false},
		{"production without secret", "", false, true, false},
		{"dev without secret", "", true, false, true},
		{"short secret", long[1:], false, true, false},
		{"short secret in dev", long[1:], true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret, generated, err := auth.LoadSecret(tc.value, tc.dev)
			if tc.wantErr {
				require.Error(t, err)
				require.Contains(t, err.Error(), "NEXUS_JWT_SECRET")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.generated, generated)
			require.GreaterOrEqual(t, len(secret), auth.MinSecretLen)
			if !tc.generated {
				require.Equal(t, []byte(tc.value), secret)
			}
		})
	}

	a, _, err := auth.LoadSecret("", true)
	require.NoError(t, err)
	b, _, err := auth.LoadSecret("", true)
	require.NoError(t, err)
	require.NotEqual(t, a, b, "generated secrets are random")
}

func TestNewServiceRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  auth.Config
	}{
		{"no secret", auth.Config{}},
		{"short secret", auth.Config{Secret: testSecret[:auth.MinSecretLen-1]}},
		{"negative ttl", auth.Config{Secret: testSecret, AccessTTL: -time.Second}},
		{"bad ip limit", auth.Config{Secret: testSecret, LoginPerIP: ratelimit.Limit{Rate: 1}}},
		{"bad email limit", auth.Config{Secret: testSecret, LoginPerEmail: ratelimit.Limit{Period: time.Second}}},
		{"bcrypt cost too high", auth.Config{Secret: testSecret, BcryptCost: bcrypt.MaxCost + 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.NewService(nil, tc.cfg, nil, nil)
			require.Error(t, err)
		})
	}
	_, err := auth.NewService(nil, auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost}, nil, nil)
	require.NoError(t, err)
}

func TestValidateEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"ana@example.com", "ana@example.com", true},
		{"  Ana.Perez+pos@Example.COM.mx ", "ana.perez+pos@example.com.mx", true},
		{"", "", false},
		{"   ", "", false},
		{"ana", "", false},
		{"ana@", "", false},
		{"@example.com", "", false},
		{"ana@localhost", "", false},
		{"Ana <ana@example.com>", "", false},
		{"ana@exa mple.com", "", false},
		{"ana@@example.com", "", false},
		{strings.Repeat("a", 250) + "@example.com", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := auth.ValidateEmail(tc.in)
			if !tc.ok {
				requireHTTPError(t, err, http.StatusUnprocessableEntity, "invalid_email")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestValidateAndHashPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		ok       bool
	}{
		{"eight characters", "12345678", true},
		{"seven characters", "1234567", false},
		{"empty", "", false},
		{"eight multibyte characters", "ññññññññ", true},
		{"72 bytes", strings.Repeat("x", auth.MaxPasswordBytes), true},
		{"73 bytes", strings.Repeat("x", auth.MaxPasswordBytes+1), false},
		{"invalid utf-8", "12345678\xff", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := auth.ValidatePassword(tc.password)
			if !tc.ok {
				requireHTTPError(t, err, http.StatusUnprocessableEntity, "invalid_password")
				_, err = auth.HashPassword(tc.password)
				requireHTTPError(t, err, http.StatusUnprocessableEntity, "invalid_password")
				return
			}
			require.NoError(t, err)
		})
	}

	hash, err := auth.HashPassword("correct horse")
	require.NoError(t, err)
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse")))
	cost, err := bcrypt.Cost([]byte(hash))
	require.NoError(t, err)
	require.Equal(t, bcrypt.DefaultCost, cost)
}
