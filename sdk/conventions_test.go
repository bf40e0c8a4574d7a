package sdk_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// conventionsDoc is the page vertical authors read for the platform's
// conventions.
const conventionsDoc = "../docs/conventions.md"

// errorRows reads the errors table of docs/conventions.md: the status and
// the codes listed for each kind.
func errorRows(t *testing.T, doc string) (status map[kind.Kind]int, codes map[kind.Kind][]string) {
	t.Helper()
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([0-9]{3}) \\| (.*) \\|$")
	code := regexp.MustCompile("^`([a-z_]+)`")
	status, codes = map[kind.Kind]int{}, map[kind.Kind][]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		k := kind.Kind(m[1])
		require.NotContains(t, status, k, "kind %s has two rows", k)
		status[k], _ = strconv.Atoi(m[2])
		for _, item := range strings.Split(m[3], ", ") {
			if c := code.FindStringSubmatch(item); c != nil {
				codes[k] = append(codes[k], c[1])
			}
		}
	}
	return status, codes
}

// TestConventionsListEveryErrorKind fails when docs/conventions.md leaves
// out a kind of sdk/kind, gives one another status, or lists one that
// does not exist.
func TestConventionsListEveryErrorKind(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(conventionsDoc)
	require.NoError(t, err)
	status, _ := errorRows(t, string(doc))
	for _, k := range kind.All() {
		require.Contains(t, status, k, "docs/conventions.md has no row for kind %s", k)
		require.Equal(t, k.Status(), status[k], "status of %s in docs/conventions.md", k)
	}
	require.Len(t, status, len(kind.All()), "docs/conventions.md lists a kind sdk/kind does not have")
}

// TestConventionsListEveryDALCode fails when a reason the DAL answers is
// missing from docs/conventions.md, and checks the row of those whose kind
// it can produce here: every PostgreSQL error class the DAL maps, context
// errors and the unit of work's own.
func TestConventionsListEveryDALCode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(conventionsDoc)
	require.NoError(t, err)
	_, codes := errorRows(t, string(doc))
	kindOf := map[string]kind.Kind{}
	for k, cs := range codes {
		for _, c := range cs {
			require.NotContains(t, kindOf, c, "code %s is listed under two kinds", c)
			kindOf[c] = k
		}
	}

	src, err := os.ReadFile("../internal/dal/errors.go")
	require.NoError(t, err)
	reasons := regexp.MustCompile(`(?m)^\s+Reason[A-Za-z]+\s*=\s*"([a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	require.Greater(t, len(reasons), 20, "the DAL's reasons are read from internal/dal/errors.go")
	for _, r := range reasons {
		require.Contains(t, kindOf, r[1], "docs/conventions.md does not list the DAL's code %s", r[1])
	}

	produced := []*dal.Error{dal.ErrUnitFailed, dal.ErrUnitFinished,
		dal.AsError(context.DeadlineExceeded), dal.AsError(context.Canceled), dal.AsError(fmt.Errorf("boom"))}
	for _, code := range []string{"23505", "23503", "23502", "23514", "23P01", "22P02", "40001", "40P01", "55P03", "42501", "57014", "XX000"} {
		produced = append(produced, dal.AsError(&pgconn.PgError{Code: code}))
	}
	for _, e := range produced {
		require.Equal(t, e.Kind, kindOf[e.Reason], "docs/conventions.md lists %s under the wrong kind", e.Reason)
	}
}

// TestConventionsBatchLimits checks the limits table against the
// constants that enforce them.
func TestConventionsBatchLimits(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(conventionsDoc)
	require.NoError(t, err)
	require.Equal(t, dal.MaxLimit, sdk.MaxLimit)
	for _, want := range []string{
		fmt.Sprintf("| 1–%d, default %d |", dal.MaxLimit, dal.DefaultLimit),
		fmt.Sprintf("| %d |", dal.MaxIDs),
		fmt.Sprintf("| %d MiB |", wire.MaxMessageBytes>>20),
	} {
		require.Contains(t, string(doc), want, "docs/conventions.md's batch limits")
	}
}
