package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/store"
)

// Known reports whether a vertical named name is installed (the plugin
// runtime's Known).
type Known func(name string) bool

// Service stores and reads secrets.
type Service struct {
	pool  *pgxpool.Pool
	keys  Keyring
	known Known
}

// NewService returns a Service sealing with keys; known tells which
// vertical names exist.
func NewService(pool *pgxpool.Pool, keys Keyring, known Known) *Service {
	return &Service{pool: pool, keys: keys, known: known}
}

// MaxValueBytes bounds a secret's value (a PEM certificate chain with its
// key fits).
const MaxValueBytes = 64 << 10

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Secret is a stored secret as lists show it: never its value.
type Secret struct {
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	UpdatedBy *uuid.UUID `json:"updated_by"`
}

// check validates a secret's address: an installed vertical, a well-formed
// name.
func (s *Service) check(a Address) error {
	if !s.known(a.Vertical) {
		return errVerticalNotFound(a.Vertical)
	}
	if a.Name != "" && !namePattern.MatchString(a.Name) {
		return errInvalidName()
	}
	return nil
}

// Put seals value and stores it as secret a, recording who wrote it (the
// context's actor) in the company's audit log, in one transaction.
func (s *Service) Put(ctx context.Context, a Address, value []byte) error {
	return store.TenantTx(ctx, s.pool, a.CompanyID, func(tx pgx.Tx) error { return s.PutTx(ctx, tx, a, value) })
}

// PutTx is Put within tx, a tenant transaction of a.CompanyID that the
// caller commits: the secret and its audit entry are written with the
// caller's other writes, or not at all.
func (s *Service) PutTx(ctx context.Context, tx pgx.Tx, a Address, value []byte) error {
	if err := s.check(a); err != nil {
		return err
	}
	if len(value) == 0 || len(value) > MaxValueBytes {
		return errInvalidValue()
	}
	keyID, sealed, err := s.keys.Seal(a, value)
	if err != nil {
		return err
	}
	actor := audit.ActorFrom(ctx)
	var by *uuid.UUID
	if actor.ID != uuid.Nil {
		by = &actor.ID
	}
	var created bool
	if err := tx.QueryRow(ctx, qUpsert, a.CompanyID, a.Vertical, a.Name, keyID, sealed, by).Scan(&created); err != nil {
		return fmt.Errorf("put secret %s: %w", a, err)
	}
	return audit.Record(ctx, tx, audit.Entry{
		CompanyID: a.CompanyID, Action: "secret.written", Target: a.Vertical + "/" + a.Name,
		Details: map[string]any{"vertical": a.Vertical, "name": a.Name, "created": created, "key_id": keyID},
	})
}

// Delete removes secret a (404 secret_not_found when absent), recording it
// in the company's audit log.
func (s *Service) Delete(ctx context.Context, a Address) error {
	if err := s.check(a); err != nil {
		return err
	}
	return store.TenantTx(ctx, s.pool, a.CompanyID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, qDelete, a.CompanyID, a.Vertical, a.Name)
		if err != nil {
			return fmt.Errorf("delete secret %s: %w", a, err)
		}
		if tag.RowsAffected() == 0 {
			return errSecretNotFound(a.Name)
		}
		return audit.Record(ctx, tx, audit.Entry{
			CompanyID: a.CompanyID, Action: "secret.deleted", Target: a.Vertical + "/" + a.Name,
			Details: map[string]any{"vertical": a.Vertical, "name": a.Name},
		})
	})
}

// List returns the names and times of the vertical's secrets in the
// company, by name.
func (s *Service) List(ctx context.Context, companyID uuid.UUID, vertical string) ([]Secret, error) {
	if err := s.check(Address{CompanyID: companyID, Vertical: vertical}); err != nil {
		return nil, err
	}
	var list []Secret
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qList, companyID, vertical)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Secret, error) {
			var sc Secret
			err := row.Scan(&sc.Name, &sc.CreatedAt, &sc.UpdatedAt, &sc.UpdatedBy)
			sc.CreatedAt, sc.UpdatedAt = sc.CreatedAt.UTC(), sc.UpdatedAt.UTC()
			return sc, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list secrets of %s in %s: %w", vertical, companyID, err)
	}
	return list, nil
}

// ErrNotFound is returned by Get for a secret that is not set.
var ErrNotFound = errors.New("secret not set")

// Get returns the value of secret a, for a plugin of a.Vertical handling a
// call of a.CompanyID (the caller guarantees both), or ErrNotFound. It
// reads in a tenant transaction of the company.
func (s *Service) Get(ctx context.Context, a Address) ([]byte, error) {
	if !namePattern.MatchString(a.Name) {
		return nil, ErrNotFound
	}
	var (
		keyID  string
		sealed []byte
	)
	err := store.TenantTx(ctx, s.pool, a.CompanyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, qGet, a.CompanyID, a.Vertical, a.Name).Scan(&keyID, &sealed)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", a, err)
	}
	return s.keys.Open(a, keyID, sealed)
}

// rotateBatch bounds the rows one rotation transaction re-seals.
const rotateBatch = 100

// Rotate re-seals, under the current key, every secret sealed with another
// key of the keyring, in transactions of up to 100 rows that skip rows a
// concurrent rotation holds, and returns how many it re-sealed. A row
// sealed with a key the keyring lacks stops it with ErrUnknownKey (the
// rows re-sealed before stay re-sealed).
func (s *Service) Rotate(ctx context.Context) (int, error) {
	if s.keys.Empty() {
		return 0, ErrNoKey
	}
	total := 0
	for {
		n, err := s.rotateBatch(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, nil
		}
	}
}

func (s *Service) rotateBatch(ctx context.Context) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qStale, s.keys.CurrentID(), rotateBatch)
		if err != nil {
			return err
		}
		type stale struct {
			a      Address
			keyID  string
			sealed []byte
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (stale, error) {
			var st stale
			err := row.Scan(&st.a.CompanyID, &st.a.Vertical, &st.a.Name, &st.keyID, &st.sealed)
			return st, err
		})
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, st := range list {
			value, err := s.keys.Open(st.a, st.keyID, st.sealed)
			if err != nil {
				return err
			}
			keyID, sealed, err := s.keys.Seal(st.a, value)
			if err != nil {
				return err
			}
			b.Queue(qReseal, st.a.CompanyID, st.a.Vertical, st.a.Name, keyID, sealed)
		}
		n = len(list)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, fmt.Errorf("rotate secrets key: %w", err)
	}
	return n, nil
}
