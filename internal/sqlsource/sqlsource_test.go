package sqlsource

import (
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"
)

func TestNameProblem(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, tc := range []struct{ name, sql, want string }{
		{"x_pos", "SELECT 1", ""},
		{"x_pos", "SELECT 2", "declared more than once"},
		{"9lives", "SELECT 1", "name must be"},
		{"Upper", "SELECT 1", "name must be"},
		{"empty", " \n", "SQL is empty"},
	} {
		got := NameProblem(tc.name, tc.sql, seen)
		if tc.want == "" {
			require.Empty(t, got, tc.name)
			continue
		}
		require.Contains(t, got, tc.want, tc.name)
	}
	require.Equal(t, "SELECT 1", Trim("  SELECT 1;\n; "))
}

func TestColumnsProblem(t *testing.T) {
	t.Parallel()
	want := []Column{{Name: "id", OID: pgtype.UUIDOID, Type: "uuid"}, {Name: "amount", OID: pgtype.NumericOID, Type: "numeric"}}
	for _, tc := range []struct {
		name  string
		names []string
		oids  []uint32
		want  string
	}{
		{"exact, any order", []string{"amount", "id"}, []uint32{pgtype.NumericOID, pgtype.UUIDOID}, ""},
		{"missing", []string{"id"}, []uint32{pgtype.UUIDOID}, `column "amount" is missing`},
		{"float", []string{"id", "amount"}, []uint32{pgtype.UUIDOID, pgtype.Float8OID}, `column "amount" must be numeric`},
		{"extra", []string{"id", "amount", "x"}, []uint32{pgtype.UUIDOID, pgtype.NumericOID, pgtype.Int4OID}, `unexpected column "x"`},
		{"twice", []string{"id", "id"}, []uint32{pgtype.UUIDOID, pgtype.UUIDOID}, `column "id" is returned twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ColumnsProblem(want, tc.names, tc.oids)
			if tc.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tc.want)
		})
	}
}
