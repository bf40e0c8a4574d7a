package cache_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

// BenchmarkCache measures one cache operation on a hit and on a miss, per
// backend; the Redis figures include the round trip to the local server,
// measured alone as redis-ping.
func BenchmarkCache(b *testing.B) {
	b.Run("redis-ping", func(b *testing.B) {
		rc := redistest.Client(b)
		ctx := context.Background()
		for b.Loop() {
			if err := rc.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	value := make([]byte, 512)
	backends := []struct {
		name string
		new  func(b *testing.B) cache.Backend
	}{
		{"memory", func(*testing.B) cache.Backend { return cache.NewMemory(0, nil) }},
		{"redis", func(b *testing.B) cache.Backend { return cache.NewRedis(redistest.Client(b), nil, nil) }},
	}
	for _, bc := range backends {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			c, err := bc.new(b).For(cache.Scope{Vertical: "bench", CompanyID: uuid.New()})
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Set(ctx, "hit", value, time.Minute, "product:1"); err != nil {
				b.Fatal(err)
			}
			load := func(context.Context) ([]byte, error) { return value, nil }
			b.Run("get-hit", func(b *testing.B) {
				for b.Loop() {
					if _, ok, _ := c.Get(ctx, "hit"); !ok {
						b.Fatal("miss")
					}
				}
			})
			b.Run("get-miss", func(b *testing.B) {
				for b.Loop() {
					if _, ok, _ := c.Get(ctx, "absent"); ok {
						b.Fatal("hit")
					}
				}
			})
			b.Run("getorload-hit", func(b *testing.B) {
				for b.Loop() {
					if _, err := c.GetOrLoad(ctx, "hit", time.Minute, []string{"product:1"}, load); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("getorload-miss", func(b *testing.B) {
				// Each iteration misses, loads and stores a new key.
				i := 0
				for b.Loop() {
					i++
					if _, err := c.GetOrLoad(ctx, "miss:"+strconv.Itoa(i), time.Second, []string{"product:1"}, load); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
