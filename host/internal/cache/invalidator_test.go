package cache_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
)

// fakeUnit mimics dal.Unit: AfterCommit hooks run only when it commits.
type fakeUnit struct{ hooks []func() }

func (u *fakeUnit) AfterCommit(fn func()) { u.hooks = append(u.hooks, fn) }

func (u *fakeUnit) Finish(commit bool) {
	if commit {
		for _, h := range u.hooks {
			h()
		}
	}
	u.hooks = nil
}

func TestInvalidatorFlushesOnlyAfterCommit(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		for _, commit := range []bool{true, false} {
			name := bc.name + "/rollback"
			if commit {
				name = bc.name + "/commit"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				_, c := newScope(t, bc.new(t), testVertical(t))
				require.NoError(t, c.Set(ctx, "scan:1", []byte("old price"), ttl, "product:1"))
				require.NoError(t, c.Set(ctx, "product:2", []byte("old name"), ttl))
				require.NoError(t, c.Set(ctx, "untouched", []byte("u"), ttl, "product:3"))

				unit := &fakeUnit{}
				inv := cache.NewInvalidator(nil)
				unit.AfterCommit(inv.AfterCommit(ctx))
				uc := inv.Wrap(c)

				// The unit writes product 1 and 2 and says so.
				require.NoError(t, uc.InvalidateTags(ctx, "product:1"))
				require.NoError(t, uc.Delete(ctx, "product:2"))

				// Before commit, everyone else still reads the committed values.
				v, ok, err := c.Get(ctx, "scan:1")
				require.NoError(t, err)
				require.True(t, ok, "nothing is invalidated before commit")
				require.Equal(t, "old price", string(v))
				_, ok, _ = c.Get(ctx, "product:2")
				require.True(t, ok)

				// Inside the unit, its own writes bypass the shared cache.
				_, ok, err = uc.Get(ctx, "product:2")
				require.NoError(t, err)
				require.False(t, ok, "the unit does not read what it invalidated")
				v, err = uc.GetOrLoad(ctx, "scan:1", ttl, []string{"product:1"}, func(context.Context) ([]byte, error) {
					return []byte("uncommitted price"), nil
				})
				require.NoError(t, err)
				require.Equal(t, "uncommitted price", string(v))
				require.NoError(t, uc.Set(ctx, "product:2", []byte("uncommitted name"), ttl))
				_, ok, stamp, err := uc.Lookup(ctx, "scan:1", "product:1")
				require.NoError(t, err)
				require.False(t, ok)
				require.NoError(t, uc.SetFresh(ctx, "scan:1", []byte("uncommitted"), ttl, stamp, "product:1"))
				v, _, _ = uc.Get(ctx, "untouched")
				require.Equal(t, "u", string(v), "other entries read through")

				v, _, _ = c.Get(ctx, "scan:1")
				require.Equal(t, "old price", string(v), "uncommitted data never reaches the shared cache")
				v, _, _ = c.Get(ctx, "product:2")
				require.Equal(t, "old name", string(v))

				unit.Finish(commit)

				_, scanCached, _ := c.Get(ctx, "scan:1")
				_, nameCached, _ := c.Get(ctx, "product:2")
				require.Equal(t, !commit, scanCached, "tag invalidated iff committed")
				require.Equal(t, !commit, nameCached, "key deleted iff committed")
				_, ok, _ = c.Get(ctx, "untouched")
				require.True(t, ok)

				if !commit {
					inv.Discard()
				}
				require.False(t, inv.Collect(c, []string{"untouched"}, nil), "a finished unit collects nothing")
				require.NoError(t, uc.Delete(ctx, "untouched"))
				_, ok, _ = c.Get(ctx, "untouched")
				require.False(t, ok, "after the unit the wrapper applies at once")
				require.NoError(t, inv.Flush(ctx), "flushing twice does nothing")
			})
		}
	}
}

func TestInvalidatorGroupsPerScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := cache.NewMemory(0, nil)
	_, a := newScope(t, b, "v")
	_, other := newScope(t, b, "v")
	for _, c := range []cache.Cache{a, other} {
		require.NoError(t, c.Set(ctx, "k", []byte("v"), ttl, "t"))
		require.NoError(t, c.Set(ctx, "k2", []byte("v"), ttl))
	}
	inv := cache.NewInvalidator(nil)
	require.True(t, inv.Collect(a, []string{"k2", "k2"}, []string{"t"}))
	require.NoError(t, inv.Flush(ctx))
	for _, k := range []string{"k", "k2"} {
		_, ok, _ := a.Get(ctx, k)
		require.False(t, ok, k)
		_, ok, _ = other.Get(ctx, k)
		require.True(t, ok, "the other scope keeps %s", k)
	}
}
