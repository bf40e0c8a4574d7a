package banking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/sdk/money"
)

// CreateAccount validates and stores a bank account of companyID. Bad
// input is a 422 naming the field; a name already used is 409
// account_exists.
func (s *Service) CreateAccount(ctx context.Context, companyID, actorID uuid.UUID, in NewAccount) (Account, error) {
	in.Name, in.Bank = strings.TrimSpace(in.Name), strings.TrimSpace(in.Bank)
	in.AccountLast4 = strings.TrimSpace(in.AccountLast4)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 200:
		return Account{}, errInvalid("invalid_name", "name", "name must have 1 to 200 characters")
	case in.Bank == "" || utf8.RuneCountInString(in.Bank) > 200:
		return Account{}, errInvalid("invalid_bank", "bank", "bank must have 1 to 200 characters")
	case in.AccountLast4 != "" && (len(in.AccountLast4) != 4 || !allDigits(in.AccountLast4)):
		return Account{}, errInvalid("invalid_account_last4", "account_last4", "account_last4 must be the last four digits of the account number")
	}
	cur, err := money.CurrencyOf(in.Currency)
	if err != nil {
		return Account{}, errInvalid("invalid_currency", "currency", err.Error())
	}
	in.Currency = cur.Code
	mapping, err := mappingJSON(in.CSVMapping)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, insertAccountSQL, companyID, in.Name, in.Bank, in.Currency, in.AccountLast4, mapping, nullUUID(actorID)))
		return err
	})
	if isUniqueViolation(err) {
		return Account{}, errAccountExists(in.Name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("create bank account: %w", err)
	}
	return a, nil
}

// mappingJSON validates m and encodes it; nil stays nil.
func mappingJSON(m *CSVMapping) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode csv mapping: %w", err)
	}
	return b, nil
}

// Account returns one of companyID's accounts; another company's is 404
// account_not_found.
func (s *Service) Account(ctx context.Context, companyID, id uuid.UUID) (Account, error) {
	var a Account
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		a, err = getAccount(ctx, tx, companyID, id)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("get bank account: %w", err)
	}
	return a, nil
}

func getAccount(ctx context.Context, tx pgx.Tx, companyID, id uuid.UUID) (Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, selectAccountSQL, companyID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Account{}, errAccountNotFound()
	}
	if err != nil {
		return Account{}, fmt.Errorf("read bank account: %w", err)
	}
	return a, nil
}

// accountCursor is the keyset position of the account list.
type accountCursor struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// Accounts returns a page of companyID's accounts by name (limit 1–500,
// default 100) and the cursor of the next page ("" on the last).
func (s *Service) Accounts(ctx context.Context, companyID uuid.UUID, cursor string, limit int) ([]Account, string, error) {
	limit = pageLimit(limit)
	var after accountCursor
	var afterName *string
	if cursor != "" {
		if err := httpx.DecodeCursor(cursor, &after); err != nil {
			return nil, "", err
		}
		afterName = &after.Name
	}
	var out []Account
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listAccountsSQL, companyID, afterName, after.ID, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Account, error) { return scanAccount(row) })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list bank accounts: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = httpx.EncodeCursor(accountCursor{Name: out[limit-1].Name, ID: out[limit-1].ID})
	}
	return out, next, nil
}

// SetCSVMapping validates and saves the CSV mapping of an account; nil
// removes it.
func (s *Service) SetCSVMapping(ctx context.Context, companyID, id uuid.UUID, m *CSVMapping) (Account, error) {
	mapping, err := mappingJSON(m)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		a, err = scanAccount(tx.QueryRow(ctx, updateMappingSQL, companyID, id, mapping))
		if errors.Is(err, pgx.ErrNoRows) {
			return errAccountNotFound()
		}
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("set csv mapping: %w", err)
	}
	return a, nil
}
