package cache_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

// backendCase builds one backend for a test.
type backendCase struct {
	name string
	new  func(t *testing.T) cache.Backend
}

// backends is every implementation the behavioural suite runs against.
func backends() []backendCase {
	return []backendCase{
		{"memory", func(*testing.T) cache.Backend { return cache.NewMemory(0, nil) }},
		{"redis", func(t *testing.T) cache.Backend { return cache.NewRedis(redistest.Client(t), nil, nil) }},
	}
}

// testVertical returns a vertical name no other test uses and, when c is
// a Redis backend's client, deletes its keys when the test ends.
func testVertical(t *testing.T) string {
	t.Helper()
	v := "t" + strings.ToLower(rand.Text())
	redistest.CleanupKeys(t, redistest.Client(t), "nexus:*:"+v+":*")
	return v
}

// newScope returns a fresh scope of b and its cache.
func newScope(t *testing.T, b cache.Backend, vertical string) (cache.Scope, cache.Cache) {
	t.Helper()
	s := cache.Scope{Vertical: vertical, CompanyID: uuid.New()}
	c, err := b.For(s)
	require.NoError(t, err)
	return s, c
}
