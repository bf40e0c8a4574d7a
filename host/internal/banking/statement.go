package banking

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Statement parsing limits.
const (
	// MaxStatementRows is the most rows (CSV) or transactions (OFX) one
	// file may hold.
	MaxStatementRows = 100_000
	// maxRejections is how many rejected rows a response lists; the
	// count covers them all.
	maxRejections = 100
	// maxFieldLength bounds a description or reference, in characters.
	maxFieldLength = 1000
	// maxAmountDigits bounds the integer digits of an amount, leading
	// zeros not counted.
	maxAmountDigits = 15
	// maxAmountDecimals is the most decimals an amount keeps exactly: the
	// scale of bank_movements.amount and bank_matches.difference.
	maxAmountDecimals = 6
	// csvAmountDecimals is the most decimals a CSV amount may have, so a
	// misread thousands separator ("1.234" meant as 1234) is a rejection
	// rather than a wrong amount.
	csvAmountDecimals = 2
)

// line is one statement row that parsed: a movement to store.
type line struct {
	// row is the 1-based line (CSV) or transaction number (OFX) in the file.
	row         int
	postedOn    time.Time
	amount      decimal.Decimal
	description string
	reference   string
	fitid       string
}

// Rejection is a statement row that was not imported, and why.
type Rejection struct {
	// Row is the 1-based line of a CSV file or the transaction's number in
	// an OFX file.
	Row    int    `json:"row"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// parsed is a statement file read into lines.
type parsed struct {
	lines      []line
	rejections []Rejection
	// currency and accountID come from an OFX file (CURDEF, ACCTID).
	currency  string
	accountID string
}

// dedupeHashes returns each line's dedupe key: its FITID when it has one,
// otherwise its date, amount and normalized description with the number of
// earlier lines in the file sharing them, so two identical payments on the
// same day stay two movements while re-importing the file (or an
// overlapping one) recognises both.
func dedupeHashes(lines []line) [][]byte {
	out := make([][]byte, len(lines))
	seen := map[string]int{}
	for i, l := range lines {
		var key string
		if l.fitid != "" {
			key = "fitid\x00" + l.fitid
		} else {
			base := fmt.Sprintf("line\x00%s\x00%s\x00%s", l.postedOn.Format(time.DateOnly), formatAmount(l.amount), normalizeText(l.description))
			key = fmt.Sprintf("%s\x00%d", base, seen[base])
			seen[base]++
		}
		sum := sha256.Sum256([]byte(key))
		out[i] = sum[:]
	}
	return out
}

// normalizeText upper-cases s and turns every run of characters other
// than letters, digits and & into one space, trimmed.
func normalizeText(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// toUTF8 returns data as UTF-8 text: unchanged when it is valid UTF-8,
// otherwise read as Latin-1 (the usual encoding of bank exports that are
// not UTF-8). A UTF-8 byte order mark is dropped.
func toUTF8(data []byte) string {
	s := strings.TrimPrefix(string(data), "\uFEFF")
	if utf8.ValidString(s) {
		return s
	}
	runes := make([]rune, len(data))
	for i, b := range data {
		runes[i] = rune(b)
	}
	return string(runes)
}

// cleanText trims s, drops control characters and bounds its length.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxFieldLength {
		s = string([]rune(s)[:maxFieldLength])
	}
	return s
}

// parseAmount reads a signed amount written with decimalSep ("." or ",")
// as its decimal separator; the other separator, spaces and apostrophes
// group thousands. A currency sign, a leading + or -, a trailing - and
// parentheses (negative) are understood, and leading zeros are ignored.
// The amount is kept exactly: more than maxDecimals decimals (other than
// trailing zeros) is an error, never a rounding.
func parseAmount(s string, decimalSep byte, maxDecimals int) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Decimal{}, fmt.Errorf("is empty")
	}
	orig := s
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "$"))
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = !neg, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasSuffix(s, "-"):
		neg, s = !neg, s[:len(s)-1]
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "$"))
	group := byte(',')
	if decimalSep == ',' {
		group = '.'
	}
	var b strings.Builder
	points := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == decimalSep:
			points++
			b.WriteByte('.')
		case c == group || c == ' ' || c == '\'':
		default:
			return decimal.Decimal{}, fmt.Errorf("%q is not an amount", truncate(orig, 40))
		}
	}
	digits := b.String()
	intPart, frac, _ := strings.Cut(digits, ".")
	if points > 1 || intPart == "" && frac == "" || len(strings.TrimLeft(intPart, "0")) > maxAmountDigits {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount", truncate(orig, 40))
	}
	if len(strings.TrimRight(frac, "0")) > maxDecimals {
		return decimal.Decimal{}, fmt.Errorf("%q has more than %d decimals", truncate(orig, 40), maxDecimals)
	}
	if intPart == "" {
		digits = "0" + digits
	}
	if strings.HasSuffix(digits, ".") {
		digits += "0"
	}
	d, err := decimal.NewFromString(digits)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount", truncate(orig, 40))
	}
	if neg {
		d = d.Neg()
	}
	return d, nil
}

// truncate shortens s to at most n runes for a message.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

// validDate reports whether a statement date is plausible.
func validDate(t time.Time) bool {
	return t.Year() >= 1970 && t.Year() <= 2100
}
