package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// TestValidationErrorsAre422 returns the money and taxid packages' own
// errors, bare and wrapped, from a handler: each answers a 422 naming the
// offending field, never a 500.
func TestValidationErrorsAre422(t *testing.T) {
	t.Parallel()
	_, taxErr := taxid.ValidateRFC("XAXX01")
	require.Error(t, taxErr)
	_, moneyErr := money.Calculate(money.Document{Currency: money.MXN, Lines: []money.Line{
		{Quantity: decimal.RequireFromString("-1"), UnitPrice: decimal.RequireFromString("10")},
	}})
	require.Error(t, moneyErr)
	tests := []struct {
		name    string
		err     error
		code    string
		details map[string]any
	}{
		{"tax id", taxErr, "invalid_tax_id", map[string]any{"field": "tax_id", "scheme": "RFC"}},
		{"wrapped tax id", fmt.Errorf("customer: %w", taxErr), "invalid_tax_id", map[string]any{"field": "tax_id", "scheme": "RFC"}},
		{"money line", moneyErr, "invalid_quantity", map[string]any{"field": "quantity", "line": float64(0)}},
		{"money document", &money.Error{Err: money.ErrUnknownCurrency, Line: money.NoLine, Field: "currency", Detail: "XXX is not supported"},
			"unknown_currency", map[string]any{"field": "currency"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			route := POST("/check", RoleViewer, "check", func(*Context) error { return tt.err })
			s := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
			res, err := s.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST",
				Path: "/check", Principal: &nexusv1.Principal{Role: string(RoleViewer)}, RequestId: "req-1"})
			require.NoError(t, err)
			require.EqualValues(t, http.StatusUnprocessableEntity, res.GetStatus(), string(res.GetBody()))
			var env struct {
				Error struct {
					Code    string         `json:"code"`
					Details map[string]any `json:"details"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(res.GetBody(), &env))
			require.Equal(t, tt.code, env.Error.Code)
			require.NotEmpty(t, env.Error.Details["reason"], "the details say what is wrong")
			for k, v := range tt.details {
				require.Equal(t, v, env.Error.Details[k], k)
			}
		})
	}
}

// failingHost is a host whose Echo fails with err.
type failingHost struct {
	nexusv1.HostClient
	err error
}

func (h failingHost) Echo(context.Context, *nexusv1.EchoRequest, ...grpc.CallOption) (*nexusv1.EchoResponse, error) {
	return nil, h.err
}

// TestHostErrorsKeepTheirStatus sends every kind of client error a host
// service answers (built as the host's statusOf builds it: dal.Status with
// the exact HTTP status attached) to a handler that returns it unchanged:
// the route answers the same status, code and details, where 401, 410, 413
// and 415 used to come back as 400.
func TestHostErrorsKeepTheirStatus(t *testing.T) {
	t.Parallel()
	for _, s := range []int{
		http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusConflict, http.StatusGone, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable,
	} {
		t.Run(strconv.Itoa(s), func(t *testing.T) {
			t.Parallel()
			code := "kind_" + strconv.Itoa(s)
			sent := wire.WithHTTPStatus(dal.Status(&dal.Error{Code: wire.CodeOf(s), Reason: code, Message: "m",
				Details: map[string]any{"field": "x"}, Internal: map[string]any{"table": "t"}}), s)
			route := POST("/echo", RoleViewer, "echo", func(c *Context) error {
				_, err := c.Echo("hi")
				return err
			})
			srv := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
			srv.host = failingHost{err: sent}
			res, err := srv.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST",
				Path: "/echo", Principal: &nexusv1.Principal{Role: string(RoleViewer)}, RequestId: "req-1"})
			require.NoError(t, err)
			require.EqualValues(t, s, res.GetStatus(), string(res.GetBody()))
			require.JSONEq(t, `{"error":{"code":"`+code+`","message":"m","details":{"field":"x"}},"request_id":"req-1"}`, string(res.GetBody()))
		})
	}
}

// TestInvalidStatusIsInternal checks that a handler's error or answer
// without a status the host can send (a zero Status, a status below 400
// for an error) answers 500: below 400 the host would commit the call's
// writes, and a zero status cannot be written at all.
func TestInvalidStatusIsInternal(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]HandlerFunc{
		"error without status": func(*Context) error { return &Error{Code: "oops", Message: "forgot the status"} },
		"error with a 2xx":     func(*Context) error { return NewError(http.StatusOK, "oops", "not an error status") },
		"answer with status 0": func(c *Context) error { return c.JSON(0, map[string]string{"a": "b"}) },
		"answer with 999":      func(c *Context) error { return c.NoContent(999) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			route := POST("/x", RoleViewer, "x", h)
			s := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
			res, err := s.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST",
				Path: "/x", Principal: &nexusv1.Principal{Role: string(RoleViewer)}, RequestId: "req-1"})
			require.NoError(t, err)
			require.EqualValues(t, http.StatusInternalServerError, res.GetStatus(), string(res.GetBody()))
			require.JSONEq(t, `{"error":{"code":"internal","message":"internal error"},"request_id":"req-1"}`, string(res.GetBody()))
		})
	}
}
