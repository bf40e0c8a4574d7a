package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	// Time zones are validated against the embedded IANA database so that
	// the host behaves the same on machines without /usr/share/zoneinfo.
	_ "time/tzdata"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// maxNameLength is the longest company name, in characters.
const maxNameLength = 200

// countries maps each supported country to its currency and default time zone.
var countries = map[string]struct{ currency, timezone string }{
	"MX": {"MXN", "America/Mexico_City"},
	"AR": {"ARS", "America/Argentina/Buenos_Aires"},
}

// CreateCompany validates nc and creates the company. The returned warnings
// come from tax-id validation (e.g. an RFC whose check digit does not match,
// which the SAT has issued and so must not be refused). Invalid input is a
// 422, an existing company with the same country and tax id a 409
// company_exists.
func (s *Service) CreateCompany(ctx context.Context, nc NewCompany) (Company, []string, error) {
	nc, warnings, err := normalizeNewCompany(nc)
	if err != nil {
		return Company{}, nil, err
	}
	row := s.pool.QueryRow(ctx, insertCompanySQL, nc.Name, nc.Country, nc.Currency, nc.TaxID, nc.Timezone)
	c, err := scanCompany(row)
	if isSQLState(err, sqlStateUniqueViolation) {
		return Company{}, nil, errCompanyExists(nc.Country, nc.TaxID)
	}
	if err != nil {
		return Company{}, nil, fmt.Errorf("create company: %w", err)
	}
	s.log.Info("company created", "company_id", c.ID, "country", c.Country)
	return c, warnings, nil
}

// normalizeNewCompany trims and checks every field, filling the currency
// and time zone from the country when they are empty.
func normalizeNewCompany(nc NewCompany) (NewCompany, []string, error) {
	name, err := normalizeName(nc.Name)
	if err != nil {
		return NewCompany{}, nil, err
	}
	nc.Name = name

	nc.Country = strings.ToUpper(strings.TrimSpace(nc.Country))
	def, ok := countries[nc.Country]
	if !ok {
		return NewCompany{}, nil, errInvalid("invalid_country", "country", "country must be MX or AR")
	}

	nc.Currency = strings.ToUpper(strings.TrimSpace(nc.Currency))
	if nc.Currency == "" {
		nc.Currency = def.currency
	}
	if nc.Currency != def.currency {
		return NewCompany{}, nil, errInvalid("invalid_currency", "currency",
			fmt.Sprintf("a company in %s must use %s", nc.Country, def.currency))
	}

	nc.Timezone = strings.TrimSpace(nc.Timezone)
	if nc.Timezone == "" {
		nc.Timezone = def.timezone
	}
	if err := checkTimezone(nc.Timezone); err != nil {
		return NewCompany{}, nil, err
	}

	taxID, warnings, err := taxid.Validate(nc.Country, nc.TaxID)
	if err != nil {
		return NewCompany{}, nil, fmt.Errorf("company: %w", err)
	}
	nc.TaxID = taxID
	if warnings == nil {
		warnings = []string{}
	}
	return nc, warnings, nil
}

// normalizeName trims a company name and checks its length and characters.
func normalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > maxNameLength {
		return "", errInvalid("invalid_name", "name",
			fmt.Sprintf("name must be between 1 and %d characters", maxNameLength))
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", errInvalid("invalid_name", "name", "name must not contain control characters")
	}
	return name, nil
}

// checkTimezone accepts IANA zone names only ("Local" depends on the
// machine and is refused).
func checkTimezone(tz string) error {
	if tz == "" || tz == "Local" {
		return errInvalid("invalid_timezone", "timezone", "timezone must be an IANA time zone name")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return errInvalid("invalid_timezone", "timezone",
			fmt.Sprintf("timezone %q is not an IANA time zone name", tz))
	}
	return nil
}

// GetCompany returns the company with that id, or a 404 company_not_found.
func (s *Service) GetCompany(ctx context.Context, id uuid.UUID) (Company, error) {
	c, err := scanCompany(s.pool.QueryRow(ctx, selectCompanySQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Company{}, errCompanyNotFound()
	}
	if err != nil {
		return Company{}, fmt.Errorf("get company %s: %w", id, err)
	}
	return c, nil
}

// CompanyQuery selects a page of companies.
type CompanyQuery struct {
	// MemberID restricts the list to the companies this user belongs to;
	// uuid.Nil lists every company.
	MemberID uuid.UUID
	// Cursor is the next_cursor of the previous page, or empty.
	Cursor string
	// Limit is the page size, 1 to httpx.MaxLimit.
	Limit int
}

// companyCursor is the keyset position of a company list.
type companyCursor struct {
	ID uuid.UUID `json:"id"`
}

// ListCompanies returns one page of companies ordered by id and the cursor
// of the next page ("" on the last page). A cursor that was not produced
// here is a 400 invalid_cursor.
func (s *Service) ListCompanies(ctx context.Context, q CompanyQuery) ([]Company, string, error) {
	if q.Limit < 1 || q.Limit > httpx.MaxLimit {
		return nil, "", httpx.InvalidLimit(httpx.MaxLimit)
	}
	var after companyCursor
	if q.Cursor != "" {
		if err := httpx.DecodeCursor(q.Cursor, &after); err != nil {
			return nil, "", err
		}
	}
	var (
		rows pgx.Rows
		err  error
	)
	if q.MemberID == uuid.Nil {
		rows, err = s.pool.Query(ctx, listCompaniesSQL, after.ID, q.Limit+1)
	} else {
		rows, err = s.pool.Query(ctx, listMemberCompaniesSQL, q.MemberID, after.ID, q.Limit+1)
	}
	if err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Company, error) { return scanCompany(row) })
	if err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	next := ""
	if len(list) > q.Limit {
		list = list[:q.Limit]
		next = httpx.EncodeCursor(companyCursor{ID: list[len(list)-1].ID})
	}
	return list, next, nil
}

// UpdateCompany changes a company's name and/or time zone; an update that
// sets neither returns the company unchanged.
func (s *Service) UpdateCompany(ctx context.Context, id uuid.UUID, u CompanyUpdate) (Company, error) {
	if u.Name == nil && u.Timezone == nil {
		return s.GetCompany(ctx, id)
	}
	if u.Name != nil {
		name, err := normalizeName(*u.Name)
		if err != nil {
			return Company{}, err
		}
		u.Name = &name
	}
	if u.Timezone != nil {
		tz := strings.TrimSpace(*u.Timezone)
		if err := checkTimezone(tz); err != nil {
			return Company{}, err
		}
		u.Timezone = &tz
	}
	c, err := scanCompany(s.pool.QueryRow(ctx, updateCompanySQL, id, u.Name, u.Timezone))
	if errors.Is(err, pgx.ErrNoRows) {
		return Company{}, errCompanyNotFound()
	}
	if err != nil {
		return Company{}, fmt.Errorf("update company %s: %w", id, err)
	}
	s.changed(ctx, id)
	return c, nil
}

// SetActive activates or deactivates a company. Every request with a token
// of an inactive company is refused (403 company_inactive) by the auth
// middleware; its data is kept.
func (s *Service) SetActive(ctx context.Context, id uuid.UUID, active bool) (Company, error) {
	c, err := scanCompany(s.pool.QueryRow(ctx, setCompanyActiveSQL, id, active))
	if errors.Is(err, pgx.ErrNoRows) {
		return Company{}, errCompanyNotFound()
	}
	if err != nil {
		return Company{}, fmt.Errorf("set company %s active=%t: %w", id, active, err)
	}
	s.log.Info("company activation changed", "company_id", id, "active", active)
	s.changed(ctx, id)
	return c, nil
}

func scanCompany(row pgx.Row) (Company, error) {
	var c Company
	err := row.Scan(&c.ID, &c.Name, &c.Country, &c.Currency, &c.TaxID, &c.Timezone, &c.Active, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}
