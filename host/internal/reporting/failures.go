package reporting

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sourceQueryError marks a build that failed on the data its sources
// read: a data exception (class 22: division by zero, a bad cast) or a
// repeated key (class 23) while the base view was created or indexed.
type sourceQueryError struct{ err error }

func (e *sourceQueryError) Error() string { return e.err.Error() }
func (e *sourceQueryError) Unwrap() error { return e.err }

// markSourceQuery wraps err in a *sourceQueryError when PostgreSQL refused
// the rows a source returned.
func markSourceQuery(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
		return &sourceQueryError{err}
	}
	return err
}

// buildOrLeaveOut builds spec; when that fails on the data a source reads,
// it runs each of spec's sources on its own to find the ones that fail,
// records them in reporting_source_failures (SourceProblems), and builds
// the views from the others, so that one vertical's broken source leaves
// the other verticals' revenue fresh.
func (s *Service) buildOrLeaveOut(ctx context.Context, conn *pgxpool.Conn, trigger Trigger, spec buildSpec) (Result, error) {
	res, err := s.build(ctx, conn, trigger, spec)
	var sq *sourceQueryError
	if err == nil || !errors.As(err, &sq) {
		return res, err
	}
	s.mu.Lock()
	sqls := maps.Clone(s.sources)
	s.mu.Unlock()
	failing := map[string]string{}
	var keep []Source
	for _, name := range spec.sources {
		sql, ok := sqls[name]
		if !ok {
			// Another replica's source: this one cannot tell.
			return res, err
		}
		if reason := probeSource(ctx, conn, sql); reason != "" {
			failing[name] = reason
			continue
		}
		keep = append(keep, Source{Name: name, SQL: sql})
	}
	if len(failing) == 0 {
		return res, err
	}
	for _, name := range slices.Sorted(maps.Keys(failing)) {
		s.log.Error("universal source left out of the reporting views: its query fails", "source", name, "reason", failing[name])
		if _, rerr := conn.Exec(ctx, recordSourceFailureSQL, name, failing[name], s.now()); rerr != nil {
			return res, fmt.Errorf("%w; recording that source %s fails: %w", err, name, rerr)
		}
	}
	return s.build(ctx, conn, trigger, buildSpec{hash: sourcesHash(keep), sources: sourceNames(keep), definition: definition(keep)})
}

// probeSource runs a source over all its rows and says why it cannot be
// in the views, or "".
func probeSource(ctx context.Context, conn *pgxpool.Conn, sql string) string {
	var rows, repeated int64
	if err := conn.QueryRow(ctx, fmt.Sprintf(probeSourceSQL, sql)).Scan(&rows, &repeated); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return "its query fails: " + pgErr.Message
		}
		return "its query fails: " + err.Error()
	}
	if repeated > 0 {
		return fmt.Sprintf("%d of its %d rows repeat a (company_id, transaction_type, source_id) key", repeated, rows)
	}
	return ""
}

// leftOutSpec returns the build of every source SetSources accepted, and
// true, when the views were last built without some of them (their query
// failed): each refresh tries them again, and leaves them out again if
// they still fail.
func (s *Service) leftOutSpec(st state) (buildSpec, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]Source, 0, len(s.sources))
	missing := false
	for _, name := range slices.Sorted(maps.Keys(s.sources)) {
		all = append(all, Source{Name: name, SQL: s.sources[name]})
		missing = missing || !slices.Contains(st.sources, name)
	}
	if !missing {
		return buildSpec{}, false
	}
	return buildSpec{hash: sourcesHash(all), sources: sourceNames(all), definition: definition(all)}, true
}

// SourceProblems returns, by source name, why a source is not in the
// views: refused when SetSources validated it (on this replica), or its
// query failed at a build (on any replica) and has not succeeded since.
func (s *Service) SourceProblems(ctx context.Context) (map[string]string, error) {
	s.mu.Lock()
	out := maps.Clone(s.invalid)
	s.mu.Unlock()
	if out == nil {
		out = map[string]string{}
	}
	rows, err := s.pool.Query(ctx, sourceFailuresSQL)
	if err != nil {
		return nil, fmt.Errorf("source problems: %w", err)
	}
	var name, reason string
	_, err = pgx.ForEachRow(rows, []any{&name, &reason}, func() error {
		out[name] = reason
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source problems: %w", err)
	}
	return out, nil
}
