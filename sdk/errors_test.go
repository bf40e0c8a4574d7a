package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
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

// failingHost is a host service whose Echo fails with the error its
// message names: an error of that kind as a host service answers it
// (wire.Status, with envelope details and internal ones), or, for
// "dal_timeout", a PostgreSQL statement timeout as the DAL answers it.
type failingHost struct {
	nexusv1.UnimplementedHostServer
}

func (failingHost) Echo(_ context.Context, in *nexusv1.EchoRequest) (*nexusv1.EchoResponse, error) {
	if in.GetMessage() == "dal_timeout" {
		return nil, dal.Status(&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"})
	}
	k := kind.Kind(in.GetMessage())
	return nil, wire.Status(wire.Error{Kind: k, Code: "host_" + string(k), Message: "m",
		Details: map[string]any{"field": "x"}, Internal: map[string]any{"table": "t"}})
}

// realHost serves failingHost over real gRPC on a loopback port and
// returns a client of it.
func realHost(t *testing.T) nexusv1.HostClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	nexusv1.RegisterHostServer(srv, failingHost{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return nexusv1.NewHostClient(conn)
}

// TestEveryKindRoundTrip: a host service fails with every error kind,
// over a real gRPC connection, and the handler returns the error it got
// unchanged. The route answers the kind's status with the host's code and
// details, never its internal details; an internal failure answers 500
// internal and shows nothing of the host's message; a DAL statement
// timeout is a 504.
func TestEveryKindRoundTrip(t *testing.T) {
	t.Parallel()
	host := realHost(t)
	route := POST("/echo", RoleViewer, "echo", func(c *Context) error {
		_, err := c.Echo(string(c.Body()))
		return err
	})
	srv := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
	srv.host = host
	call := func(message string) *nexusv1.RouteResponse {
		res, err := srv.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST",
			Path: "/echo", Body: []byte(message), Principal: &nexusv1.Principal{Role: string(RoleViewer)}, RequestId: "req-1"})
		require.NoError(t, err)
		return res
	}
	for _, k := range kind.All() {
		res := call(string(k))
		require.EqualValues(t, k.Status(), res.GetStatus(), "%s: %s", k, res.GetBody())
		want := `{"error":{"code":"host_` + string(k) + `","message":"m","details":{"field":"x"}},"request_id":"req-1"}`
		if k == kind.Internal {
			want = `{"error":{"code":"internal","message":"internal error"},"request_id":"req-1"}`
		}
		require.JSONEq(t, want, string(res.GetBody()), k)
	}
	res := call("dal_timeout")
	require.EqualValues(t, http.StatusGatewayTimeout, res.GetStatus(), string(res.GetBody()))
	require.JSONEq(t, `{"error":{"code":"timeout","message":"the statement was canceled or timed out"},"request_id":"req-1"}`, string(res.GetBody()))
}

// TestHostErrorsUnwrapToContext: a handler still tells a canceled call
// and one out of time with errors.Is.
func TestHostErrorsUnwrapToContext(t *testing.T) {
	t.Parallel()
	require.ErrorIs(t, NewError(kind.Canceled, "canceled", "m"), context.Canceled)
	require.ErrorIs(t, NewError(kind.Timeout, "timeout", "m"), context.DeadlineExceeded)
	require.NotErrorIs(t, NewError(kind.Conflict, "x", "m"), context.Canceled)
}

// TestInvalidStatusIsInternal checks that a handler's error without one
// of the platform's kinds, or an answer without a status the host can
// send, answers 500: below 400 the host would commit the call's
// writes, and a zero status cannot be written at all.
func TestInvalidStatusIsInternal(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]HandlerFunc{
		"error without a kind": func(*Context) error { return &Error{Code: "oops", Message: "forgot the kind"} },
		"error of no kind":     func(*Context) error { return NewError("ok", "oops", "not a kind") },
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
