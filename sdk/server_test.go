package sdk

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// manifestFunc is a Vertical made of its manifest.
type manifestFunc func() Manifest

func (f manifestFunc) Manifest() Manifest { return f() }

// TestDeferredEffects checks that a host asking for deferred effects gets a
// call's events and cache invalidations in the response, with no callback,
// and that other hosts still get the callbacks.
func TestDeferredEffects(t *testing.T) {
	t.Parallel()
	route := POST("/sell", RoleCashier, "sell", func(c *Context) error {
		id, err := c.Events().Publish("shop.sale.created", map[string]string{"n": "1"})
		if err != nil {
			return err
		}
		if err := c.Cache().InvalidateTags("stock:a"); err != nil {
			return err
		}
		if err := c.Cache().Invalidate("scan:1", "scan:2"); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]string{"event_id": id})
	})
	s := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
	request := func(deferEffects bool) *nexusv1.RouteRequest {
		return &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST", Path: "/sell", Body: []byte("{}"),
			Principal: &nexusv1.Principal{Role: string(RoleCashier)}, DeferEffects: deferEffects}
	}

	t.Run("deferred", func(t *testing.T) {
		res, err := s.HandleRoute(context.Background(), request(true))
		require.NoError(t, err)
		require.EqualValues(t, http.StatusCreated, res.GetStatus(), "no host callback was needed: %s", res.GetBody())
		require.Len(t, res.GetEvents(), 1)
		ev := res.GetEvents()[0]
		require.Equal(t, "shop.sale.created", ev.GetTopic())
		require.JSONEq(t, `{"n":"1"}`, string(ev.GetPayload()))
		_, err = uuid.Parse(ev.GetId())
		require.NoError(t, err)
		require.Contains(t, string(res.GetBody()), ev.GetId(), "Publish returned the event's id")
		require.Equal(t, []string{"stock:a"}, res.GetInvalidate().GetTags())
		require.Equal(t, []string{"scan:1", "scan:2"}, res.GetInvalidate().GetKeys())
	})
	t.Run("foreign topic", func(t *testing.T) {
		other := POST("/other", RoleCashier, "publish elsewhere", func(c *Context) error {
			_, err := c.Events().Publish("billing.invoice.created", map[string]string{})
			return err
		})
		s := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{other}} }), hclog.NewNullLogger())
		res, err := s.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: other.RouteID(), Method: "POST", Path: "/other",
			Body: []byte("{}"), Principal: &nexusv1.Principal{Role: string(RoleCashier)}, DeferEffects: true})
		require.NoError(t, err)
		require.Equal(t, int32(http.StatusInternalServerError), res.GetStatus(), "the handler's Publish failed")
		require.Empty(t, res.GetEvents())
	})
	t.Run("through callbacks", func(t *testing.T) {
		res, err := s.HandleRoute(context.Background(), request(false))
		require.NoError(t, err)
		require.Empty(t, res.GetEvents())
		require.GreaterOrEqual(t, res.GetStatus(), int32(500), "without a host the publish callback fails")
	})
}
