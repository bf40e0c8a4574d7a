package cache_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

const ttl = time.Minute

func TestGetSetAndTTL(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, c := newScope(t, bc.new(t), testVertical(t))

			_, ok, err := c.Get(ctx, "k")
			require.NoError(t, err)
			require.False(t, ok)

			require.NoError(t, c.Set(ctx, "k", []byte("v1"), ttl))
			v, ok, err := c.Get(ctx, "k")
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, []byte("v1"), v)
			v[0] = 'X'
			v, _, _ = c.Get(ctx, "k")
			require.Equal(t, []byte("v1"), v, "a caller mutating its copy changes nothing")

			require.NoError(t, c.Set(ctx, "empty", []byte{}, ttl))
			v, ok, err = c.Get(ctx, "empty")
			require.NoError(t, err)
			require.True(t, ok, "an empty value is a hit")
			require.Empty(t, v)

			require.NoError(t, c.Set(ctx, "short", []byte("v"), 300*time.Millisecond))
			_, ok, _ = c.Get(ctx, "short")
			require.True(t, ok)
			require.Eventually(t, func() bool {
				_, ok, _ := c.Get(ctx, "short")
				return !ok
			}, 3*time.Second, 10*time.Millisecond, "entry expires after its TTL")
			_, ok, _ = c.Get(ctx, "k")
			require.True(t, ok, "a longer TTL is unaffected")
		})
	}
}

func TestCrossTenantIsolation(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := bc.new(t)
			vertical := testVertical(t)
			sa, a := newScope(t, b, vertical)
			_, other := newScope(t, b, vertical)
			sameCompanyHost, err := b.For(cache.Scope{Vertical: cache.HostVertical, CompanyID: sa.CompanyID})
			require.NoError(t, err)
			redistest.CleanupKeys(t, redistest.Client(t), "nexus:*:host:"+sa.CompanyID.String()+":*")
			tenants := map[string]cache.Cache{"other company": other, "other vertical": sameCompanyHost}

			require.NoError(t, a.Set(ctx, "product:1", []byte("A's"), ttl, "product:1"))
			for _, c := range tenants {
				require.NoError(t, c.InvalidateTags(ctx, "product:1"))
				require.NoError(t, c.Delete(ctx, "product:1"))
			}
			v, ok, err := a.Get(ctx, "product:1")
			require.NoError(t, err)
			require.True(t, ok, "another tenant's invalidation leaves A's entry")
			require.Equal(t, "A's", string(v))
			for name, c := range tenants {
				_, ok, err := c.Get(ctx, "product:1")
				require.NoError(t, err)
				require.False(t, ok, "%s cannot read A's entry", name)

				v, err := c.GetOrLoad(ctx, "product:1", ttl, []string{"product:1"}, func(context.Context) ([]byte, error) {
					return []byte(name), nil
				})
				require.NoError(t, err)
				require.Equal(t, name, string(v), "%s loads its own value", name)
			}

			// Keys that look like another scope's names stay inside A's.
			otherName := "nexus:c:" + vertical + ":" + uuid.NewString() + ":product:1"
			for _, k := range []string{otherName, ":" + otherName, "../product:1", "*", "\x00"} {
				require.NoError(t, a.Set(ctx, k, []byte("A"), ttl))
				_, ok, _ := other.Get(ctx, k)
				require.False(t, ok, "key %q stays in A's scope", k)
			}

			require.NoError(t, a.InvalidateTags(ctx, "product:1"))
			_, ok, _ = a.Get(ctx, "product:1")
			require.False(t, ok)
			for name, c := range tenants {
				v, ok, _ := c.Get(ctx, "product:1")
				require.True(t, ok, "A's invalidation leaves %s's entry", name)
				require.Equal(t, name, string(v))
			}
		})
	}
}

func TestRedisKeyLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rc := redistest.Client(t)
	vertical := testVertical(t)
	s, c := newScope(t, cache.NewRedis(rc, nil, nil), vertical)
	require.NoError(t, c.Set(ctx, "k:1", []byte("v"), ttl, "t1"))
	require.NoError(t, c.Delete(ctx, "gone"))

	v, err := rc.Get(ctx, "nexus:c:"+vertical+":"+s.CompanyID.String()+":k:1").Result()
	require.NoError(t, err)
	require.Equal(t, "v", v)
	members, err := rc.SMembers(ctx, "nexus:ct:"+vertical+":"+s.CompanyID.String()+":t1").Result()
	require.NoError(t, err)
	require.Equal(t, []string{"nexus:c:" + vertical + ":" + s.CompanyID.String() + ":k:1"}, members)
	keys, err := rc.Keys(ctx, "nexus:*:"+vertical+":*").Result()
	require.NoError(t, err)
	for _, k := range keys {
		require.Equal(t, s.CompanyID.String(), strings.SplitN(k, ":", 4)[3][:36], k)
		ttl, err := rc.PTTL(ctx, k).Result()
		require.NoError(t, err)
		require.Positive(t, ttl, "every key %s expires", k)
	}
}

func TestDeleteAndTags(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, c := newScope(t, bc.new(t), testVertical(t))
			require.NoError(t, c.Set(ctx, "k1", []byte("1"), ttl, "p1", "all"))
			require.NoError(t, c.Set(ctx, "k2", []byte("2"), ttl, "p2", "all"))
			require.NoError(t, c.Set(ctx, "k3", []byte("3"), ttl))
			present := func(keys ...string) {
				t.Helper()
				for _, k := range []string{"k1", "k2", "k3"} {
					_, ok, err := c.Get(ctx, k)
					require.NoError(t, err)
					require.Equal(t, contains(keys, k), ok, k)
				}
			}
			present("k1", "k2", "k3")
			require.NoError(t, c.InvalidateTags(ctx, "p1", "unknown"))
			present("k2", "k3")
			require.NoError(t, c.InvalidateTags(ctx, "all"))
			present("k3")
			require.NoError(t, c.Delete(ctx, "k3", "never-set"))
			present()
			require.NoError(t, c.Delete(ctx))
			require.NoError(t, c.InvalidateTags(ctx))

			require.NoError(t, c.Set(ctx, "k1", []byte("again"), ttl, "p1"))
			present("k1")
			require.NoError(t, c.InvalidateTags(ctx, "p1"))
			present()
		})
	}
}

func TestGetOrLoadSingleFlight(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, c := newScope(t, bc.new(t), testVertical(t))
			var (
				calls   atomic.Int32
				release = make(chan struct{})
				wg      sync.WaitGroup
			)
			load := func(context.Context) ([]byte, error) {
				calls.Add(1)
				<-release
				return []byte("loaded"), nil
			}
			const callers = 20
			results := make([][]byte, callers)
			for i := range callers {
				wg.Go(func() {
					v, err := c.GetOrLoad(ctx, "hot", ttl, []string{"tag"}, load)
					require.NoError(t, err)
					results[i] = v
				})
			}
			require.Eventually(t, func() bool { return calls.Load() == 1 }, 2*time.Second, time.Millisecond)
			time.Sleep(20 * time.Millisecond)
			close(release)
			wg.Wait()
			require.Equal(t, int32(1), calls.Load(), "one load for concurrent misses")
			for _, v := range results {
				require.Equal(t, "loaded", string(v))
			}
			results[0][0] = 'X'
			require.Equal(t, "loaded", string(results[1]), "callers get their own copies")

			v, err := c.GetOrLoad(ctx, "hot", ttl, []string{"tag"}, func(context.Context) ([]byte, error) {
				t.Error("loader called on a hit")
				return nil, nil
			})
			require.NoError(t, err)
			require.Equal(t, "loaded", string(v))
		})
	}
}

func TestGetOrLoadDoesNotCacheInvalidatedLoads(t *testing.T) {
	t.Parallel()
	type invalidate func(ctx context.Context, c cache.Cache) error
	cases := []struct {
		name string
		inv  invalidate
	}{
		{"tag invalidated while loading", func(ctx context.Context, c cache.Cache) error { return c.InvalidateTags(ctx, "product:9") }},
		{"key deleted while loading", func(ctx context.Context, c cache.Cache) error { return c.Delete(ctx, "scan:9") }},
	}
	for _, bc := range backends() {
		for _, tc := range cases {
			t.Run(bc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				_, c := newScope(t, bc.new(t), testVertical(t))
				v, err := c.GetOrLoad(ctx, "scan:9", ttl, []string{"product:9"}, func(ctx context.Context) ([]byte, error) {
					// A writer commits and invalidates after this read.
					require.NoError(t, tc.inv(ctx, c))
					return []byte("stale"), nil
				})
				require.NoError(t, err)
				require.Equal(t, "stale", string(v), "the caller still gets what it loaded")
				_, ok, err := c.Get(ctx, "scan:9")
				require.NoError(t, err)
				require.False(t, ok, "a load overtaken by an invalidation is not cached")

				v, err = c.GetOrLoad(ctx, "scan:9", ttl, []string{"product:9"}, func(context.Context) ([]byte, error) {
					return []byte("fresh"), nil
				})
				require.NoError(t, err)
				require.Equal(t, "fresh", string(v))
				v, ok, _ = c.Get(ctx, "scan:9")
				require.True(t, ok, "the next load is cached")
				require.Equal(t, "fresh", string(v))
			})
		}
	}
}

func TestGetOrLoadErrors(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, c := newScope(t, bc.new(t), testVertical(t))

			_, err := c.GetOrLoad(ctx, "k", ttl, nil, func(context.Context) ([]byte, error) { return nil, errBoom })
			require.ErrorIs(t, err, errBoom)
			_, ok, _ := c.Get(ctx, "k")
			require.False(t, ok, "errors are not cached")

			_, err = c.GetOrLoad(ctx, "k", ttl, nil, func(context.Context) ([]byte, error) { panic("loader bug") })
			require.ErrorContains(t, err, "loader panicked: loader bug")

			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err = c.GetOrLoad(cctx, "k2", ttl, nil, func(ctx context.Context) ([]byte, error) { return nil, ctx.Err() })
			require.ErrorIs(t, err, context.Canceled)

			v, err := c.GetOrLoad(ctx, "nil", ttl, nil, func(context.Context) ([]byte, error) { return nil, nil })
			require.NoError(t, err)
			require.Empty(t, v)
			_, ok, _ = c.Get(ctx, "nil")
			require.True(t, ok, "an empty load is cached")

			big := make([]byte, cache.MaxValueBytes+1)
			v, err = c.GetOrLoad(ctx, "big", ttl, nil, func(context.Context) ([]byte, error) { return big, nil })
			require.NoError(t, err)
			require.Len(t, v, len(big), "an oversized load is returned")
			_, ok, _ = c.Get(ctx, "big")
			require.False(t, ok, "but not cached")
		})
	}
}

func TestGetOrLoadFollowerSurvivesCancelledLeader(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			_, c := newScope(t, bc.new(t), testVertical(t))
			leaderCtx, cancelLeader := context.WithCancel(context.Background())
			started := make(chan struct{})
			leaderDone := make(chan error, 1)
			go func() {
				_, err := c.GetOrLoad(leaderCtx, "k", ttl, nil, func(ctx context.Context) ([]byte, error) {
					close(started)
					<-ctx.Done()
					return nil, ctx.Err()
				})
				leaderDone <- err
			}()
			<-started
			followerDone := make(chan []byte, 1)
			go func() {
				v, err := c.GetOrLoad(context.Background(), "k", ttl, nil, func(context.Context) ([]byte, error) {
					return []byte("follower"), nil
				})
				require.NoError(t, err)
				followerDone <- v
			}()
			time.Sleep(20 * time.Millisecond)
			cancelLeader()
			require.ErrorIs(t, <-leaderDone, context.Canceled)
			require.Equal(t, "follower", string(<-followerDone))
		})
	}
}

func TestLookupSetFresh(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, c := newScope(t, bc.new(t), testVertical(t))

			_, ok, stamp, err := c.Lookup(ctx, "k", "t1", "t2")
			require.NoError(t, err)
			require.False(t, ok)
			require.NoError(t, c.SetFresh(ctx, "k", []byte("v"), ttl, stamp, "t1", "t2"))
			v, ok, _, err := c.Lookup(ctx, "k", "t1", "t2")
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, "v", string(v))

			_, _, stamp, _ = c.Lookup(ctx, "k2", "t1", "t2")
			require.NoError(t, c.InvalidateTags(ctx, "t2"))
			require.NoError(t, c.SetFresh(ctx, "k2", []byte("stale"), ttl, stamp, "t1", "t2"))
			_, ok, _ = c.Get(ctx, "k2")
			require.False(t, ok, "a stamp taken before an invalidation stores nothing")

			_, _, stamp, _ = c.Lookup(ctx, "k3", "t1")
			require.NoError(t, c.SetFresh(ctx, "k3", []byte("v"), ttl, stamp, "t1", "t2"))
			_, ok, _ = c.Get(ctx, "k3")
			require.False(t, ok, "a stamp for other tags stores nothing")
			require.NoError(t, c.SetFresh(ctx, "k3", []byte("v"), ttl, "forged", "t1"))
			_, ok, _ = c.Get(ctx, "k3")
			require.False(t, ok, "a forged stamp stores nothing")
		})
	}
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", cache.MaxKeyBytes+1)
	tooMany := make([]string, cache.MaxTags+1)
	for i := range tooMany {
		tooMany[i] = "t"
	}
	load := func(context.Context) ([]byte, error) { return nil, nil }
	cases := []struct {
		name string
		call func(ctx context.Context, c cache.Cache) error
	}{
		{"get empty key", func(ctx context.Context, c cache.Cache) error { _, _, err := c.Get(ctx, ""); return err }},
		{"get long key", func(ctx context.Context, c cache.Cache) error { _, _, err := c.Get(ctx, long); return err }},
		{"get invalid utf-8", func(ctx context.Context, c cache.Cache) error { _, _, err := c.Get(ctx, "\xff"); return err }},
		{"set zero ttl", func(ctx context.Context, c cache.Cache) error { return c.Set(ctx, "k", nil, 0) }},
		{"set ttl over max", func(ctx context.Context, c cache.Cache) error { return c.Set(ctx, "k", nil, cache.MaxTTL+time.Second) }},
		{"set empty tag", func(ctx context.Context, c cache.Cache) error { return c.Set(ctx, "k", nil, ttl, "") }},
		{"set too many tags", func(ctx context.Context, c cache.Cache) error { return c.Set(ctx, "k", nil, ttl, tooMany...) }},
		{"set value too big", func(ctx context.Context, c cache.Cache) error {
			return c.Set(ctx, "k", make([]byte, cache.MaxValueBytes+1), ttl)
		}},
		{"delete empty key", func(ctx context.Context, c cache.Cache) error { return c.Delete(ctx, "a", "") }},
		{"invalidate long tag", func(ctx context.Context, c cache.Cache) error { return c.InvalidateTags(ctx, long) }},
		{"load nil loader", func(ctx context.Context, c cache.Cache) error {
			_, err := c.GetOrLoad(ctx, "k", ttl, nil, nil)
			return err
		}},
		{"load negative ttl", func(ctx context.Context, c cache.Cache) error {
			_, err := c.GetOrLoad(ctx, "k", -ttl, nil, load)
			return err
		}},
		{"lookup too many tags", func(ctx context.Context, c cache.Cache) error {
			_, _, _, err := c.Lookup(ctx, "k", tooMany...)
			return err
		}},
		{"set fresh empty key", func(ctx context.Context, c cache.Cache) error { return c.SetFresh(ctx, "", nil, ttl, "") }},
	}
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			_, c := newScope(t, bc.new(t), testVertical(t))
			inv := cache.NewInvalidator(nil)
			for _, tc := range cases {
				require.ErrorIs(t, tc.call(context.Background(), c), cache.ErrInvalid, tc.name)
				require.ErrorIs(t, tc.call(context.Background(), inv.Wrap(c)), cache.ErrInvalid, "wrapped: "+tc.name)
			}
		})
	}
}

func TestInvalidScope(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "Upper", "with:colon", "1digit", strings.Repeat("a", 65), "sp ace"} {
		for _, b := range []cache.Backend{cache.NewMemory(0, nil), cache.NewRedis(nil, nil, nil)} {
			_, err := b.For(cache.Scope{Vertical: v, CompanyID: uuid.New()})
			require.ErrorIs(t, err, cache.ErrInvalid, v)
		}
	}
}

func TestMemoryBoundsEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := cache.NewMemory(10, nil)
	c, err := m.For(cache.Scope{Vertical: "v", CompanyID: uuid.New()})
	require.NoError(t, err)
	for i := range 100 {
		require.NoError(t, c.Set(ctx, string(rune('a'+i%26))+strings.Repeat("x", i), []byte("v"), ttl))
	}
	require.LessOrEqual(t, m.Len(), 10)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
