// Package dbfault tells whether an error means PostgreSQL could not be
// reached or dropped the connection — the database is unavailable, as
// opposed to a query that failed. It is the one classification the HTTP
// edge (503 database_unavailable) and the DAL's gRPC mapping share. It
// holds no state and must not import host packages.
package dbfault

import (
	"errors"
	"io"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database is unreachable: a
// failed connect (also through a pool acquire), a server shutting down or
// refusing connections, or a connection lost mid-conversation.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableState(pgErr.Code)
	}
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// unavailableState reports whether a SQLSTATE says the server cannot serve:
// class 08 (connection exception), 57P01–57P03 (admin shutdown, crash
// shutdown, cannot connect now) and 53300 (too many connections).
func unavailableState(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}
