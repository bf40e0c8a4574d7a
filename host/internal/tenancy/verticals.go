package tenancy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/store"
)

// EnableVertical enables the vertical name for the company with config, or
// reconfigures it when it is enabled already. The vertical validates the
// configuration and provisions what it needs first (Verticals.Configure,
// whose errors are returned unchanged); only then is it stored. An unknown
// vertical is a 404 vertical_not_found, a config that is not a JSON object a
// 400.
func (s *Service) EnableVertical(ctx context.Context, companyID uuid.UUID, name string, config json.RawMessage) (Vertical, error) {
	c, err := s.GetCompany(ctx, companyID)
	if err != nil {
		return Vertical{}, err
	}
	if !s.verticals.Known(name) {
		return Vertical{}, errVerticalNotFound(name)
	}
	if !isJSONObject(config) {
		return Vertical{}, errConfigNotObject()
	}
	if err := s.verticals.Configure(ctx, name, c, config); err != nil {
		return Vertical{}, wrapUnlessAPI(err, "configure vertical %s for company %s", name, companyID)
	}
	var v Vertical
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		v, err = scanVertical(tx.QueryRow(ctx, enableVerticalSQL, companyID, name, config))
		return err
	})
	if err != nil {
		return Vertical{}, fmt.Errorf("enable vertical %s for company %s: %w", name, companyID, err)
	}
	s.log.Info("vertical enabled", "company_id", companyID, "vertical", name)
	s.changed(ctx, companyID)
	return v, nil
}

// DisableVertical disables the vertical for the company, keeping its
// configuration and data. Disabling a vertical that is not enabled does
// nothing; a name that is neither installed nor was ever enabled for the
// company is a 404 vertical_not_found.
func (s *Service) DisableVertical(ctx context.Context, companyID uuid.UUID, name string) error {
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return err
	}
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, disableVerticalSQL, companyID, name)
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, verticalExistsSQL, companyID, name).Scan(&exists); err != nil {
			return err
		}
		if !exists && !s.verticals.Known(name) {
			return errVerticalNotFound(name)
		}
		return nil
	})
	if err != nil {
		return wrapUnlessAPI(err, "disable vertical %s for company %s", name, companyID)
	}
	s.log.Info("vertical disabled", "company_id", companyID, "vertical", name)
	s.changed(ctx, companyID)
	return nil
}

// ListVerticals returns every vertical the company has ever enabled, with
// its current state, ordered by name.
func (s *Service) ListVerticals(ctx context.Context, companyID uuid.UUID) ([]Vertical, error) {
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return nil, err
	}
	var list []Vertical
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listVerticalsSQL, companyID)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Vertical, error) { return scanVertical(row) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list verticals of company %s: %w", companyID, err)
	}
	if list == nil {
		list = []Vertical{}
	}
	return list, nil
}

// IsEnabled reports whether the vertical is enabled for the company.
func (s *Service) IsEnabled(ctx context.Context, companyID uuid.UUID, vertical string) (bool, error) {
	a, err := s.Access(ctx, companyID, vertical)
	return a.Enabled, err
}

// Access is what a vertical call needs to know about the caller's company.
type Access struct {
	Company Company
	Enabled bool
	// Config is the company's configuration of the vertical ("{}" if none).
	Config json.RawMessage
}

// Access returns the company and whether, and how, it enabled vertical.
// The vertical-route middleware calls it on every request, so it is a
// single primary-key lookup on the pool, filtered by company explicitly.
func (s *Service) Access(ctx context.Context, companyID uuid.UUID, vertical string) (Access, error) {
	var (
		a       Access
		enabled *bool
		config  []byte
	)
	c := &a.Company
	err := s.pool.QueryRow(ctx, accessSQL, companyID, vertical).Scan(
		&c.ID, &c.Name, &c.Country, &c.Currency, &c.TaxID, &c.Timezone, &c.Active, &c.CreatedAt, &c.UpdatedAt,
		&enabled, &config)
	if errors.Is(err, pgx.ErrNoRows) {
		return Access{}, errCompanyNotFound()
	}
	if err != nil {
		return Access{}, fmt.Errorf("vertical %s access for company %s: %w", vertical, companyID, err)
	}
	a.Enabled = enabled != nil && *enabled
	a.Config = json.RawMessage("{}")
	if len(config) > 0 {
		a.Config = json.RawMessage(config)
	}
	return a, nil
}

// isJSONObject reports whether b is one valid JSON object.
func isJSONObject(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

func scanVertical(row pgx.Row) (Vertical, error) {
	var (
		v      Vertical
		config []byte
		en, di *time.Time
	)
	if err := row.Scan(&v.Name, &v.Enabled, &config, &en, &di, &v.UpdatedAt); err != nil {
		return Vertical{}, err
	}
	v.Config, v.EnabledAt, v.DisabledAt = json.RawMessage(config), en, di
	return v, nil
}

// EnabledCompanies returns the active companies that enabled vertical,
// which its per-company jobs run for.
func (s *Service) EnabledCompanies(ctx context.Context, vertical string) ([]uuid.UUID, error) {
	rows, err := s.pool.Query(ctx, enabledCompaniesSQL, vertical)
	if err != nil {
		return nil, fmt.Errorf("companies that enabled %s: %w", vertical, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("companies that enabled %s: %w", vertical, err)
	}
	return ids, nil
}
