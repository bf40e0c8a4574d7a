package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Refresh tokens expired for more than a day are pruned; the others stay.
func TestPruneRefreshTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	user := uuid.New()
	h.exec(`INSERT INTO users (id, email, password_hash) VALUES ($1, $2, 'x')`, user, user.String()+"@prune.test")
	now := h.clock.Now()
	for i, expires := range []time.Time{now.Add(-49 * time.Hour), now.Add(-25 * time.Hour), now.Add(-time.Hour), now.Add(24 * time.Hour)} {
		h.exec(`INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`,
			uuid.New(), user, []byte{byte(i), 1, 2, 3}, expires)
	}
	n, err := h.svc.PruneRefreshTokens(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, 2, h.count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1`, user))
	require.Equal(t, 0, h.count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2`, user, now.Add(-24*time.Hour)))
}
