package banking

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultMaxFileBytes is the largest statement file accepted.
const DefaultMaxFileBytes = 10 << 20

// Limits bound imports. A zero field takes its default.
type Limits struct {
	// MaxFileBytes bounds a statement file (and the request carrying it).
	MaxFileBytes int64
}

// Option configures a Service.
type Option func(*Service)

// WithLimits sets the import limits; zero fields keep their defaults.
func WithLimits(l Limits) Option {
	return func(s *Service) {
		if l.MaxFileBytes > 0 {
			s.limits.MaxFileBytes = l.MaxFileBytes
		}
	}
}

// Service manages bank accounts, statement imports and reconciliation.
type Service struct {
	pool   *pgxpool.Pool
	log    hclog.Logger
	limits Limits
	// payments holds the payment sources in use (SetPaymentSources); nil
	// or empty when there are none.
	payments atomic.Pointer[paymentSQL]
}

// NewService returns a Service on pool, the host's pool (its tenant
// transactions switch to nexus_tenant). A nil log discards messages.
func NewService(pool *pgxpool.Pool, log hclog.Logger, opts ...Option) *Service {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	s := &Service{pool: pool, log: log, limits: Limits{MaxFileBytes: DefaultMaxFileBytes}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Limits returns the import limits in force.
func (s *Service) Limits() Limits { return s.limits }

// location returns the company's time zone, read through the pool
// (nexus_tenant has no grant on companies).
func (s *Service) location(ctx context.Context, companyID uuid.UUID) (*time.Location, error) {
	var zone string
	err := s.pool.QueryRow(ctx, selectCompanyZoneSQL, companyID).Scan(&zone)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errCompanyNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read company: %w", err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("company time zone %q: %w", zone, err)
	}
	return loc, nil
}

// lockMatches takes the company's transaction-scoped advisory lock that
// serializes reconciliation runs and manual matches.
func lockMatches(ctx context.Context, tx pgx.Tx, companyID uuid.UUID) error {
	h := fnv.New64a()
	_, _ = h.Write([]byte("nexus.bank.matches:"))
	_, _ = h.Write(companyID[:])
	if _, err := tx.Exec(ctx, lockReconcileSQL, int64(h.Sum64())); err != nil {
		return fmt.Errorf("lock matches: %w", err)
	}
	return nil
}

// pageLimit is n within 1..maxPageSize, defaultPageSize when n is not
// positive.
func pageLimit(n int) int {
	if n <= 0 {
		return defaultPageSize
	}
	return min(n, maxPageSize)
}

// nullUUID is id, or nil for uuid.Nil.
func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// nullDate is t, or nil for the zero time.
func nullDate(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
