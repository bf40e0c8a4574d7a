package banking

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// CSVMapping says how to read an account's CSV statements. Columns are
// named by their header (compared case-insensitively) or, for a file
// without a header, by their 1-based number ("1", "2", ...). A movement's
// amount comes from Amount (signed: deposits positive) or from Debit and
// Credit (both unsigned: amount = credit − debit).
type CSVMapping struct {
	// Delimiter is one of "," (default), ";", "\t" and "|".
	Delimiter string `json:"delimiter,omitempty"`
	// Header tells whether the first row (after SkipRows) names the
	// columns; default true.
	Header *bool `json:"header,omitempty"`
	// SkipRows is the number of lines before the header or the first
	// movement (banks often put the account's details there).
	SkipRows int `json:"skip_rows,omitempty"`

	Date string `json:"date"`
	// DateFormat uses YYYY, YY, MM, M, MMM (ENE/JAN ...), DD and D, e.g.
	// "DD/MM/YYYY"; empty tries YYYY-MM-DD, then DD/MM/YYYY, DD-MM-YYYY
	// and DD.MM.YYYY.
	DateFormat  string `json:"date_format,omitempty"`
	Amount      string `json:"amount,omitempty"`
	Debit       string `json:"debit,omitempty"`
	Credit      string `json:"credit,omitempty"`
	Description string `json:"description,omitempty"`
	Reference   string `json:"reference,omitempty"`
	// DecimalSeparator is "." (default) or ","; the other one groups
	// thousands.
	DecimalSeparator string `json:"decimal_separator,omitempty"`
}

// maxSkipRows bounds CSVMapping.SkipRows.
const maxSkipRows = 100

// Validate checks the mapping and fills in its defaults. Errors are
// *httpx.Error 422s naming the field (csv_mapping.<name>).
func (m *CSVMapping) Validate() error {
	if m.Delimiter == "" {
		m.Delimiter = ","
	}
	if m.DecimalSeparator == "" {
		m.DecimalSeparator = "."
	}
	if m.Header == nil {
		header := true
		m.Header = &header
	}
	switch {
	case m.Delimiter != "," && m.Delimiter != ";" && m.Delimiter != "\t" && m.Delimiter != "|":
		return errInvalid("invalid_mapping", "csv_mapping.delimiter", `delimiter must be ",", ";", "\t" or "|"`)
	case m.DecimalSeparator != "." && m.DecimalSeparator != ",":
		return errInvalid("invalid_mapping", "csv_mapping.decimal_separator", `decimal_separator must be "." or ","`)
	case m.SkipRows < 0 || m.SkipRows > maxSkipRows:
		return errInvalid("invalid_mapping", "csv_mapping.skip_rows", fmt.Sprintf("skip_rows must be between 0 and %d", maxSkipRows))
	case strings.TrimSpace(m.Date) == "":
		return errInvalid("invalid_mapping", "csv_mapping.date", "date must name the date column")
	case m.Amount != "" && (m.Debit != "" || m.Credit != ""):
		return errInvalid("invalid_mapping", "csv_mapping.amount", "give either amount or debit and credit, not both")
	case m.Amount == "" && (m.Debit == "" || m.Credit == ""):
		return errInvalid("invalid_mapping", "csv_mapping.amount", "give the amount column, or both the debit and credit columns")
	}
	if m.DateFormat != "" {
		if err := checkDateFormat(m.DateFormat); err != nil {
			return errInvalid("invalid_mapping", "csv_mapping.date_format", err.Error())
		}
	}
	for _, c := range m.columns() {
		field, col := c.field, c.col
		if len(col) > 200 {
			return errInvalid("invalid_mapping", "csv_mapping."+field, field+" is too long")
		}
		if !*m.Header {
			if n, err := strconv.Atoi(col); err != nil || n < 1 || n > 1000 {
				return errInvalid("invalid_mapping", "csv_mapping."+field,
					"without a header, columns are numbered from 1: "+field+" must be a column number")
			}
		}
	}
	return nil
}

// mappedColumn is a field of the mapping and the column it names.
type mappedColumn struct {
	field, col string
}

// columns returns the mapped columns in a fixed order.
func (m *CSVMapping) columns() []mappedColumn {
	var cols []mappedColumn
	for _, c := range []mappedColumn{
		{"date", m.Date}, {"amount", m.Amount}, {"debit", m.Debit}, {"credit", m.Credit},
		{"description", m.Description}, {"reference", m.Reference},
	} {
		if c.col = strings.TrimSpace(c.col); c.col != "" {
			cols = append(cols, c)
		}
	}
	return cols
}

// errBadCSV is a file that cannot be read as CSV at all.
type errBadCSV struct {
	field, message string
}

// Error implements error.
func (e *errBadCSV) Error() string { return e.message }

// parseCSV reads a CSV statement with a validated mapping. A file that
// cannot be read at all (not CSV, a mapped column missing from the header)
// is an *errBadCSV; rows that cannot be read are rejections.
func parseCSV(data []byte, m CSVMapping) (parsed, error) {
	r := csv.NewReader(strings.NewReader(toUTF8(data)))
	r.Comma, _ = utf8.DecodeRuneInString(m.Delimiter)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true

	next := func() ([]string, int, error) {
		rec, err := r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, &errBadCSV{field: "file", message: fmt.Sprintf("line %d is not valid CSV: %v", pe.Line, pe.Err)}
			}
			return nil, 0, err
		}
		line, _ := r.FieldPos(0)
		return rec, line, nil
	}
	for range m.SkipRows {
		if _, _, err := next(); err != nil {
			if errors.Is(err, io.EOF) {
				return parsed{}, &errBadCSV{field: "csv_mapping.skip_rows", message: "the file has fewer lines than skip_rows"}
			}
			return parsed{}, err
		}
	}
	idx := map[string]int{}
	if *m.Header {
		rec, _, err := next()
		if errors.Is(err, io.EOF) {
			return parsed{}, &errBadCSV{field: "file", message: "the file is empty"}
		}
		if err != nil {
			return parsed{}, err
		}
		names := map[string]int{}
		for i, name := range rec {
			names[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF")))] = i
		}
		for _, c := range m.columns() {
			field, col := c.field, c.col
			i, ok := names[strings.ToLower(col)]
			if !ok {
				n, err := strconv.Atoi(col)
				if err != nil || n < 1 || n > len(rec) {
					return parsed{}, &errBadCSV{field: "csv_mapping." + field,
						message: fmt.Sprintf("the header has no column %q for %s", truncate(col, 60), field)}
				}
				i = n - 1
			}
			idx[field] = i
		}
	} else {
		for _, c := range m.columns() {
			n, _ := strconv.Atoi(c.col)
			idx[c.field] = n - 1
		}
	}

	var out parsed
	dec := m.DecimalSeparator[0]
	for {
		rec, row, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return parsed{}, err
		}
		if blank(rec) {
			continue
		}
		if len(out.lines)+len(out.rejections) >= MaxStatementRows {
			return parsed{}, &errBadCSV{field: "file", message: fmt.Sprintf("the file has more than %d rows", MaxStatementRows)}
		}
		l, rej := csvLine(rec, row, idx, m.DateFormat, dec)
		if rej != nil {
			out.rejections = append(out.rejections, *rej)
			continue
		}
		out.lines = append(out.lines, l)
	}
	return out, nil
}

// csvLine reads one CSV record.
func csvLine(rec []string, row int, idx map[string]int, dateFormat string, dec byte) (line, *Rejection) {
	get := func(field string) string {
		i, ok := idx[field]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	reject := func(field string, err error) (line, *Rejection) {
		return line{}, &Rejection{Row: row, Field: field, Reason: field + " " + err.Error()}
	}
	l := line{row: row, description: cleanText(get("description")), reference: cleanText(get("reference"))}
	var err error
	if l.postedOn, err = parseDate(get("date"), dateFormat); err != nil {
		return reject("date", err)
	}
	if _, ok := idx["amount"]; ok {
		if l.amount, err = parseAmount(get("amount"), dec, csvAmountDecimals); err != nil {
			return reject("amount", err)
		}
	} else {
		debit, credit := get("debit"), get("credit")
		if debit == "" && credit == "" {
			return line{}, &Rejection{Row: row, Field: "amount", Reason: "both debit and credit are empty"}
		}
		var d, c decimal.Decimal
		if debit != "" {
			if d, err = parseAmount(debit, dec, csvAmountDecimals); err != nil {
				return reject("debit", err)
			}
		}
		if credit != "" {
			if c, err = parseAmount(credit, dec, csvAmountDecimals); err != nil {
				return reject("credit", err)
			}
		}
		l.amount = c.Abs().Sub(d.Abs())
	}
	if l.amount.IsZero() {
		return line{}, &Rejection{Row: row, Field: "amount", Reason: "amount is zero"}
	}
	return l, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
