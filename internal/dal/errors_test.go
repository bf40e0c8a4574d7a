package dal_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
)

// httpStatus is the SDK's mapping of a gRPC code to an HTTP status.
func httpStatus(e *dal.Error) int {
	switch e.Code {
	case codes.InvalidArgument:
		return 400
	case codes.NotFound:
		return 404
	case codes.AlreadyExists, codes.Aborted:
		return 409
	case codes.FailedPrecondition:
		return 422
	case codes.PermissionDenied:
		return 403
	case codes.ResourceExhausted:
		return 429
	default:
		return 500
	}
}

func TestAsError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		code   codes.Code
		reason string
		detail map[string]any
	}{
		{"unique", &pgconn.PgError{Code: "23505", ConstraintName: "items_sku_key"}, codes.AlreadyExists, dal.ReasonDuplicate, map[string]any{"constraint": "items_sku_key"}},
		{"foreign key", &pgconn.PgError{Code: "23503", ConstraintName: "fk"}, codes.FailedPrecondition, dal.ReasonReferenceNotFound, map[string]any{"constraint": "fk"}},
		{"check", &pgconn.PgError{Code: "23514", ConstraintName: "qty_check"}, codes.FailedPrecondition, dal.ReasonConstraint, map[string]any{"constraint": "qty_check"}},
		{"not null", &pgconn.PgError{Code: "23502", ColumnName: "sku"}, codes.FailedPrecondition, dal.ReasonConstraint, map[string]any{"column": "sku"}},
		{"invalid text", &pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type numeric: "abc"`}, codes.InvalidArgument, dal.ReasonInvalidValue, nil},
		{"out of range", &pgconn.PgError{Code: "22003"}, codes.InvalidArgument, dal.ReasonInvalidValue, nil},
		{"datetime", &pgconn.PgError{Code: "22008"}, codes.InvalidArgument, dal.ReasonInvalidValue, nil},
		{"serialization", &pgconn.PgError{Code: "40001"}, codes.Aborted, dal.ReasonConflictRetry, nil},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, codes.Aborted, dal.ReasonConflictRetry, nil},
		{"lock timeout", &pgconn.PgError{Code: "55P03"}, codes.Aborted, dal.ReasonLockTimeout, nil},
		{"privilege", &pgconn.PgError{Code: "42501", Message: "permission denied for table x"}, codes.PermissionDenied, dal.ReasonPermissionDenied, nil},
		{"syntax", &pgconn.PgError{Code: "42601"}, codes.Internal, dal.ReasonInternal, nil},
		{"wrapped", fmt.Errorf("op: %w", &pgconn.PgError{Code: "23505"}), codes.AlreadyExists, dal.ReasonDuplicate, map[string]any{"constraint": ""}},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), codes.DeadlineExceeded, dal.ReasonTimeout, nil},
		{"canceled", context.Canceled, codes.Canceled, dal.ReasonCanceled, nil},
		{"other", errors.New("boom"), codes.Internal, dal.ReasonInternal, nil},
		{"typed", fmt.Errorf("x: %w", dal.ErrUnitFailed), codes.Aborted, dal.ReasonTransactionFailed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := dal.AsError(tc.err)
			require.Equal(t, tc.code, e.Code)
			require.Equal(t, tc.reason, e.Reason)
			require.Equal(t, tc.detail, e.Internal, "constraints and columns are internals")
			if name, ok := tc.detail["constraint"].(string); ok && name != "" {
				require.NotContains(t, e.Message, name, "the message names no constraint")
			}
			require.NotContains(t, e.Message, "table", "the message names no table")
			require.Empty(t, e.Details)
			if tc.code == codes.Internal {
				require.Equal(t, "internal error", e.Message)
				require.ErrorIs(t, e, tc.err)
			}
		})
	}
	require.Nil(t, dal.AsError(nil))
}

func TestStatus(t *testing.T) {
	t.Parallel()
	require.NoError(t, dal.Status(nil))
	for _, tc := range []struct {
		name     string
		err      error
		code     codes.Code
		message  string
		reason   string
		metadata map[string]string
		// debug is the DebugInfo's JSON, "" for none.
		debug string
	}{
		{"typed", fmt.Errorf("op 2: %w", &dal.Error{Code: codes.NotFound, Reason: dal.ReasonNotFound, Message: "items x not found",
			Details: map[string]any{"ids": []string{"a", "b"}}, Internal: map[string]any{"table": "items", "op": 2}}),
			codes.NotFound, "items x not found", dal.ReasonNotFound, map[string]string{"ids": `["a","b"]`}, `{"op":2,"table":"items"}`},
		{"postgres", &pgconn.PgError{Code: "23505", ConstraintName: "k"}, codes.AlreadyExists,
			"a row with the same unique values already exists", dal.ReasonDuplicate, nil, `{"constraint":"k"}`},
		{"internal hides the cause", errors.New("password=secret"), codes.Internal, "internal error", dal.ReasonInternal, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, ok := status.FromError(dal.Status(tc.err))
			require.True(t, ok)
			require.Equal(t, tc.code, st.Code())
			require.Equal(t, tc.message, st.Message())
			if tc.debug == "" {
				require.Len(t, st.Details(), 1)
			} else {
				require.Len(t, st.Details(), 2)
				debug, ok := st.Details()[1].(*errdetails.DebugInfo)
				require.True(t, ok)
				require.JSONEq(t, tc.debug, debug.GetDetail())
			}
			info, ok := st.Details()[0].(*errdetails.ErrorInfo)
			require.True(t, ok)
			require.Equal(t, tc.reason, info.GetReason())
			require.Equal(t, dal.Domain, info.GetDomain())
			if tc.metadata == nil {
				require.Empty(t, info.GetMetadata())
			} else {
				require.Equal(t, tc.metadata, info.GetMetadata())
			}
		})
	}
}
