package banking

import (
	"fmt"
	"strings"
	"time"
)

// defaultDateFormats are tried, in order, when a CSV mapping gives no
// date_format: ISO first, then the day-first order Mexican and Argentine
// banks use.
var defaultDateFormats = []string{"YYYY-MM-DD", "DD/MM/YYYY", "DD-MM-YYYY", "DD.MM.YYYY"}

// monthNames maps three-letter month abbreviations, Spanish and English,
// to months.
var monthNames = map[string]time.Month{
	"ENE": time.January, "JAN": time.January,
	"FEB": time.February,
	"MAR": time.March,
	"ABR": time.April, "APR": time.April,
	"MAY": time.May,
	"JUN": time.June,
	"JUL": time.July,
	"AGO": time.August, "AUG": time.August,
	"SEP": time.September, "SET": time.September,
	"OCT": time.October,
	"NOV": time.November,
	"DIC": time.December, "DEC": time.December,
}

// dateTokens are the placeholders of a date format, longest first.
var dateTokens = []string{"YYYY", "MMM", "MM", "DD", "YY", "M", "D"}

// checkDateFormat reports whether format has exactly one year, month and
// day placeholder.
func checkDateFormat(format string) error {
	var year, month, day int
	for i := 0; i < len(format); {
		tok := tokenAt(format, i)
		switch tok {
		case "YYYY", "YY":
			year++
		case "MMM", "MM", "M":
			month++
		case "DD", "D":
			day++
		case "":
			i++
			continue
		}
		i += len(tok)
	}
	if year != 1 || month != 1 || day != 1 {
		return fmt.Errorf("date_format %q needs one year (YYYY or YY), one month (MM, M or MMM) and one day (DD or D), e.g. DD/MM/YYYY", format)
	}
	return nil
}

func tokenAt(format string, i int) string {
	for _, tok := range dateTokens {
		if strings.HasPrefix(format[i:], tok) {
			return tok
		}
	}
	return ""
}

// parseDate reads s with format (see checkDateFormat); anything after the
// date that starts with a space or a T (a time of day) is ignored. An empty
// format tries defaultDateFormats.
func parseDate(s, format string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is empty")
	}
	if format == "" {
		for _, f := range defaultDateFormats {
			if t, err := parseDateFormat(s, f); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date like YYYY-MM-DD or DD/MM/YYYY; set date_format in the mapping", truncate(s, 40))
	}
	return parseDateFormat(s, format)
}

func parseDateFormat(s, format string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%q does not match the date format %s", truncate(s, 40), format)
	}
	year, month, day := -1, -1, -1
	pos := 0
	for i := 0; i < len(format); {
		tok := tokenAt(format, i)
		if tok == "" {
			if pos >= len(s) || s[pos] != format[i] {
				return bad()
			}
			pos++
			i++
			continue
		}
		i += len(tok)
		if tok == "MMM" {
			end := pos
			for end < len(s) && isASCIILetter(s[end]) {
				end++
			}
			if end-pos < 3 {
				return bad()
			}
			m, ok := monthNames[strings.ToUpper(s[pos:pos+3])]
			if !ok {
				return bad()
			}
			month, pos = int(m), end
			continue
		}
		minDigits, maxDigits := len(tok), len(tok)
		if tok == "M" || tok == "D" {
			minDigits, maxDigits = 1, 2
		}
		n, width := 0, 0
		for width < maxDigits && pos+width < len(s) && s[pos+width] >= '0' && s[pos+width] <= '9' {
			n = n*10 + int(s[pos+width]-'0')
			width++
		}
		if width < minDigits {
			return bad()
		}
		pos += width
		switch tok {
		case "YYYY":
			year = n
		case "YY":
			year = 2000 + n
		case "MM", "M":
			month = n
		case "DD", "D":
			day = n
		}
	}
	if pos < len(s) && s[pos] != ' ' && s[pos] != 'T' {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || day < 1 || t.Day() != day || !validDate(t) {
		return time.Time{}, fmt.Errorf("%q is not a real date", truncate(s, 40))
	}
	return t, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
