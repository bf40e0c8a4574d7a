package probe

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nexuspos/nexus/sdk"
)

// loads counts cache loads, so tests can tell a hit from a miss.
var loads atomic.Int64

func sharedRoutes() []sdk.Route {
	return []sdk.Route{
		sdk.GET("/cache/{key}", sdk.RoleViewer, "Read a cached value, loading it on a miss", cacheGet),
		sdk.POST("/cache/{key}/invalidate", sdk.RoleCashier, "Invalidate a key; ?fail=1 then fails the request", cacheInvalidate),
		sdk.POST("/locks/{name}", sdk.RoleCashier, "Hold a lock for ms milliseconds", holdLock),
	}
}

func cacheGet(c *sdk.Context) error {
	loaded := false
	val, err := c.Cache().GetOrLoad(c.Param("key"), time.Minute, []string{"probe"}, func() ([]byte, error) {
		loaded = true
		return fmt.Appendf(nil, "load-%d", loads.Add(1)), nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"value": string(val), "loaded": loaded})
}

func cacheInvalidate(c *sdk.Context) error {
	if err := c.Cache().Invalidate(c.Param("key")); err != nil {
		return err
	}
	if c.Query("fail") == "1" {
		return sdk.Unprocessable("probe_failed", "invalidated, then failed on purpose")
	}
	return c.NoContent(http.StatusNoContent)
}

func holdLock(c *sdk.Context) error {
	l, err := c.Locks().Acquire(c.Param("name"), 5*time.Second, 0)
	if err != nil {
		return err
	}
	ms, _ := strconv.Atoi(c.Query("ms"))
	time.Sleep(time.Duration(ms) * time.Millisecond)
	if err := l.Release(); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
