package banking

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// Statement formats.
const (
	// FormatCSV is a CSV statement read with a CSVMapping.
	FormatCSV = "csv"
	// FormatOFX is an OFX 1.x (SGML) or 2.x (XML) statement.
	FormatOFX = "ofx"
)

// ImportInput is one statement file to import.
type ImportInput struct {
	// Format is FormatCSV, FormatOFX or "" to recognise it from the
	// content (an OFX header or <OFX> element, otherwise CSV).
	Format   string
	Filename string
	Data     []byte
	// Mapping reads a CSV file instead of the account's saved mapping.
	Mapping *CSVMapping
	// SaveMapping saves Mapping on the account when the import succeeds.
	SaveMapping bool
}

// ImportResult is what an import did.
type ImportResult struct {
	Batch
	// Warnings are doubts that did not stop the import, e.g. an OFX
	// account number that does not end in the account's last four digits.
	Warnings []string `json:"warnings"`
}

// Import reads a statement into accountID's movements as one batch.
// Lines already imported (same FITID, or same date, amount, description
// and occurrence) count as duplicates; unreadable rows are rejected with
// their reason and the rest imported. A file that cannot be read at all,
// whose currency is not the account's, or with no importable row is a 422
// and writes nothing.
func (s *Service) Import(ctx context.Context, companyID, actorID, accountID uuid.UUID, in ImportInput) (ImportResult, error) {
	if int64(len(in.Data)) > s.limits.MaxFileBytes {
		return ImportResult{}, errFileTooLarge(s.limits.MaxFileBytes)
	}
	in.Filename = cleanText(in.Filename)
	if utf8.RuneCountInString(in.Filename) > 255 {
		in.Filename = string([]rune(in.Filename)[:255])
	}
	acct, err := s.Account(ctx, companyID, accountID)
	if err != nil {
		return ImportResult{}, err
	}
	format := strings.ToLower(strings.TrimSpace(in.Format))
	switch format {
	case "":
		format = FormatCSV
		if looksLikeOFX(in.Data) {
			format = FormatOFX
		}
	case FormatCSV, FormatOFX:
	default:
		return ImportResult{}, errInvalid("invalid_format", "format", "format must be csv or ofx")
	}
	if in.SaveMapping && in.Mapping == nil {
		return ImportResult{}, errInvalid("mapping_required", "mapping", "save_mapping needs a mapping")
	}
	p, res, err := parseStatement(format, in, acct)
	if err != nil {
		return ImportResult{}, err
	}
	if len(p.lines) == 0 {
		if len(p.rejections) == 0 {
			return ImportResult{}, errInvalid("empty_statement", "file", "the statement has no movements")
		}
		return ImportResult{}, httpx.Unprocessable("no_valid_rows", "no row of the statement could be imported").
			WithDetails(map[string]any{"field": "file", "rejected": len(p.rejections), "rejections": firstRejections(p.rejections)})
	}

	hashes := dedupeHashes(p.lines)
	n := len(p.lines)
	posted, amounts := make([]time.Time, n), make([]decimal.Decimal, n)
	descs, refs, fitids := make([]string, n), make([]string, n), make([]*string, n)
	for i, l := range p.lines {
		posted[i], amounts[i], descs[i], refs[i] = l.postedOn, l.amount, l.description, l.reference
		if l.fitid != "" {
			fitids[i] = &p.lines[i].fitid
		}
	}
	rejections, err := json.Marshal(firstRejections(p.rejections))
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: encode rejections: %w", err)
	}
	sum := sha256.Sum256(in.Data)
	var mapping []byte
	if in.SaveMapping {
		if mapping, err = mappingJSON(in.Mapping); err != nil {
			return ImportResult{}, err
		}
	}

	res.AccountID, res.Format, res.Filename = accountID, format, in.Filename
	res.Rejected, res.Rejections, res.CreatedBy = len(p.rejections), firstRejections(p.rejections), nullUUID(actorID)
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, insertBatchSQL, companyID, accountID, format, in.Filename, sum[:],
			len(p.rejections), rejections, nullUUID(actorID)).Scan(&res.ID, &res.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert batch: %w", err)
		}
		rows, err := tx.Query(ctx, insertMovementsSQL, companyID, accountID, res.ID, acct.Currency,
			posted, amounts, descs, refs, fitids, hashes)
		if err != nil {
			return fmt.Errorf("insert movements: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return fmt.Errorf("insert movements: %w", err)
		}
		res.Imported, res.Duplicates = len(ids), n-len(ids)
		if _, err := tx.Exec(ctx, updateBatchCountsSQL, companyID, res.ID, res.Imported, res.Duplicates); err != nil {
			return fmt.Errorf("update batch: %w", err)
		}
		if mapping != nil {
			if _, err := tx.Exec(ctx, updateMappingSQL, companyID, accountID, mapping); err != nil {
				return fmt.Errorf("save csv mapping: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import statement: %w", err)
	}
	s.log.Debug("statement imported", "company", companyID, "account", accountID, "format", format,
		"imported", res.Imported, "duplicates", res.Duplicates, "rejected", res.Rejected)
	return res, nil
}

// parseStatement reads the file in its format and checks it against the
// account.
func parseStatement(format string, in ImportInput, acct Account) (parsed, ImportResult, error) {
	res := ImportResult{Warnings: []string{}}
	if format == FormatOFX {
		p, err := parseOFX(in.Data)
		var oe *ofxError
		if errors.As(err, &oe) {
			return parsed{}, res, errInvalid("invalid_statement", "file", "the OFX file cannot be read: "+oe.message)
		}
		if err != nil {
			return parsed{}, res, err
		}
		if p.currency != "" && p.currency != acct.Currency {
			return parsed{}, res, httpx.Unprocessable("currency_mismatch",
				fmt.Sprintf("the statement is in %s but the account is in %s", p.currency, acct.Currency)).
				WithDetails(map[string]any{"field": "CURDEF", "statement": p.currency, "account": acct.Currency})
		}
		if acct.AccountLast4 != "" && p.accountID != "" && !strings.HasSuffix(p.accountID, acct.AccountLast4) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the statement's account number does not end in %s", acct.AccountLast4))
		}
		return p, res, nil
	}
	m := in.Mapping
	if m == nil {
		m = acct.CSVMapping
	}
	if m == nil {
		return parsed{}, res, errInvalid("mapping_required", "mapping",
			"the account has no saved CSV mapping; send one in the multipart field \"mapping\" or save it with PUT /accounts/{id}/csv-mapping")
	}
	mapping := *m
	if err := mapping.Validate(); err != nil {
		return parsed{}, res, err
	}
	p, err := parseCSV(in.Data, mapping)
	var ce *errBadCSV
	if errors.As(err, &ce) {
		return parsed{}, res, errInvalid("invalid_statement", ce.field, "the CSV file cannot be read: "+ce.message)
	}
	return p, res, err
}

// firstRejections returns at most maxRejections rejections, never nil.
func firstRejections(r []Rejection) []Rejection {
	if r == nil {
		return []Rejection{}
	}
	return r[:min(len(r), maxRejections)]
}

// batchCursor is the keyset position of the batch list.
type batchCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// Batches returns a page of an account's imports, newest first, and the
// cursor of the next page.
func (s *Service) Batches(ctx context.Context, companyID, accountID uuid.UUID, cursor string, limit int) ([]Batch, string, error) {
	limit = pageLimit(limit)
	var after batchCursor
	var afterAt *time.Time
	if cursor != "" {
		if err := httpx.DecodeCursor(cursor, &after); err != nil {
			return nil, "", err
		}
		afterAt = &after.CreatedAt
	}
	var out []Batch
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if _, err := getAccount(ctx, tx, companyID, accountID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, listBatchesSQL, companyID, accountID, afterAt, after.ID, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Batch, error) { return scanBatch(row) })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list imports: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = httpx.EncodeCursor(batchCursor{CreatedAt: out[limit-1].CreatedAt, ID: out[limit-1].ID})
	}
	return out, next, nil
}

// MovementFilter selects movements; zero fields do not filter.
type MovementFilter struct {
	AccountID uuid.UUID
	// From and To bound the posting date, both inclusive.
	From, To time.Time
	// Status is "unreconciled" or "reconciled".
	Status string
	Cursor string
	// Limit is the page size, 1–500; 0 means 100.
	Limit int
}

// movementCursor is the keyset position of the movement list.
type movementCursor struct {
	PostedOn time.Time `json:"p"`
	ID       uuid.UUID `json:"i"`
}

// Movements returns a page of companyID's movements, newest first, and the
// cursor of the next page.
func (s *Service) Movements(ctx context.Context, companyID uuid.UUID, f MovementFilter) ([]Movement, string, error) {
	f.Limit = pageLimit(f.Limit)
	var after movementCursor
	var afterDate *time.Time
	if f.Cursor != "" {
		if err := httpx.DecodeCursor(f.Cursor, &after); err != nil {
			return nil, "", err
		}
		afterDate = &after.PostedOn
	}
	var status *string
	if f.Status != "" {
		status = &f.Status
	}
	var out []Movement
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listMovementsSQL, companyID, nullUUID(f.AccountID), nullDate(f.From), nullDate(f.To),
			status, afterDate, after.ID, f.Limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Movement, error) { return scanMovement(row) })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list movements: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[f.Limit-1]
		posted, _ := time.Parse(time.DateOnly, last.PostedOn)
		next = httpx.EncodeCursor(movementCursor{PostedOn: posted, ID: last.ID})
	}
	return out, next, nil
}
