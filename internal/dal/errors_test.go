package dal_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// httpStatus is the HTTP status of e's kind, as the edges map it.
func httpStatus(e *dal.Error) int { return e.Kind.Status() }

func TestAsError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		code   kind.Kind
		reason string
		detail map[string]any
	}{
		{"unique", &pgconn.PgError{Code: "23505", ConstraintName: "items_sku_key"}, kind.Conflict, dal.ReasonDuplicate, map[string]any{"constraint": "items_sku_key"}},
		{"foreign key", &pgconn.PgError{Code: "23503", ConstraintName: "fk"}, kind.Unprocessable, dal.ReasonReferenceNotFound, map[string]any{"constraint": "fk"}},
		{"check", &pgconn.PgError{Code: "23514", ConstraintName: "qty_check"}, kind.Unprocessable, dal.ReasonConstraint, map[string]any{"constraint": "qty_check"}},
		{"not null", &pgconn.PgError{Code: "23502", ColumnName: "sku"}, kind.Unprocessable, dal.ReasonConstraint, map[string]any{"column": "sku"}},
		{"invalid text", &pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type numeric: "abc"`}, kind.Invalid, dal.ReasonInvalidValue, nil},
		{"out of range", &pgconn.PgError{Code: "22003"}, kind.Invalid, dal.ReasonInvalidValue, nil},
		{"datetime", &pgconn.PgError{Code: "22008"}, kind.Invalid, dal.ReasonInvalidValue, nil},
		{"serialization", &pgconn.PgError{Code: "40001"}, kind.Conflict, dal.ReasonConflictRetry, nil},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, kind.Conflict, dal.ReasonConflictRetry, nil},
		{"lock timeout", &pgconn.PgError{Code: "55P03"}, kind.Conflict, dal.ReasonLockTimeout, nil},
		{"privilege", &pgconn.PgError{Code: "42501", Message: "permission denied for table x"}, kind.Forbidden, dal.ReasonPermissionDenied, nil},
		{"syntax", &pgconn.PgError{Code: "42601"}, kind.Internal, dal.ReasonInternal, nil},
		{"wrapped", fmt.Errorf("op: %w", &pgconn.PgError{Code: "23505"}), kind.Conflict, dal.ReasonDuplicate, map[string]any{"constraint": ""}},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), kind.Timeout, dal.ReasonTimeout, nil},
		{"canceled", context.Canceled, kind.Canceled, dal.ReasonCanceled, nil},
		{"other", errors.New("boom"), kind.Internal, dal.ReasonInternal, nil},
		{"typed", fmt.Errorf("x: %w", dal.ErrUnitFailed), kind.Conflict, dal.ReasonTransactionFailed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := dal.AsError(tc.err)
			require.Equal(t, tc.code, e.Kind)
			require.Equal(t, tc.reason, e.Reason)
			require.Equal(t, tc.detail, e.Internal, "constraints and columns are internals")
			if name, ok := tc.detail["constraint"].(string); ok && name != "" {
				require.NotContains(t, e.Message, name, "the message names no constraint")
			}
			require.NotContains(t, e.Message, "table", "the message names no table")
			require.Empty(t, e.Details)
			if tc.code == kind.Internal {
				require.Equal(t, "internal error", e.Message)
				require.ErrorIs(t, e, tc.err)
			}
		})
	}
	require.Nil(t, dal.AsError(nil))
}

// TestStatus checks what an error becomes on the wire: its kind (and the
// kind's gRPC code), reason, message and details, and the internal
// details apart; an internal error carries nothing of its cause.
func TestStatus(t *testing.T) {
	t.Parallel()
	require.NoError(t, dal.Status(nil))
	for _, tc := range []struct {
		name string
		err  error
		want wire.Error
	}{
		{"typed", fmt.Errorf("op 2: %w", &dal.Error{Kind: kind.NotFound, Reason: dal.ReasonNotFound, Message: "items x not found",
			Details: map[string]any{"ids": []string{"a", "b"}}, Internal: map[string]any{"table": "items", "op": 2}}),
			wire.Error{Kind: kind.NotFound, Code: dal.ReasonNotFound, Message: "items x not found",
				Details: map[string]any{"ids": []any{"a", "b"}}, Internal: map[string]any{"table": "items", "op": float64(2)}}},
		{"postgres", &pgconn.PgError{Code: "23505", ConstraintName: "k"}, wire.Error{Kind: kind.Conflict, Code: dal.ReasonDuplicate,
			Message: "a row with the same unique values already exists", Internal: map[string]any{"constraint": "k"}}},
		{"statement timeout", &pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"},
			wire.Error{Kind: kind.Timeout, Code: dal.ReasonTimeout, Message: "the statement was canceled or timed out"}},
		{"internal hides the cause", errors.New("password=secret"), wire.Error{Kind: kind.Internal, Code: dal.ReasonInternal, Message: "internal error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, ok := status.FromError(dal.Status(tc.err))
			require.True(t, ok)
			require.Equal(t, wire.CodeOf(tc.want.Kind), st.Code())
			require.Equal(t, tc.want, wire.FromStatus(st))
			require.NotContains(t, fmt.Sprint(st.Proto()), "secret")
		})
	}
}
