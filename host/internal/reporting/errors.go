package reporting

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Errors the package returns (possibly wrapped); each maps to its HTTP
// status and the JSON error envelope.
var (
	// ErrBusy: a refresh that waited Config.LockWait for another one to
	// finish gave up.
	ErrBusy = httpx.Conflict("refresh_in_progress", "another refresh of the universal transactions is running; try again shortly")
	// ErrNotBuilt: the views have not been built yet (SetSources has not
	// run on any replica).
	ErrNotBuilt = httpx.Unavailable("reporting_not_ready", "the universal transactions are not built yet; try again shortly")
	// errCompanyNotFound: the caller's company does not exist.
	errCompanyNotFound = httpx.NotFound("company_not_found", "the company of this token does not exist")
)

// SQLSTATE codes meaning the views or their functions do not exist yet.
const (
	sqlStateUndefinedTable    = "42P01"
	sqlStateUndefinedFunction = "42883"
)

// notBuilt turns the error of reading views that do not exist into
// ErrNotBuilt and returns other errors unchanged.
func notBuilt(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == sqlStateUndefinedTable || pgErr.Code == sqlStateUndefinedFunction) {
		return ErrNotBuilt
	}
	return err
}
