package banking

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OFX parsing limits.
const (
	// maxOFXDepth bounds the nesting of OFX aggregates.
	maxOFXDepth = 32
	// maxOFXTagLength bounds an OFX element name.
	maxOFXTagLength = 64
)

// ofxError is a file that cannot be read as OFX at all.
type ofxError struct {
	message string
}

// Error implements error.
func (e *ofxError) Error() string { return e.message }

func ofxErrorf(format string, args ...any) error {
	return &ofxError{message: fmt.Sprintf(format, args...)}
}

// looksLikeOFX reports whether data starts like an OFX file: an OFX 1.x
// SGML header, or an <OFX> element near the start (OFX 2.x XML).
func looksLikeOFX(data []byte) bool {
	head := strings.ToUpper(string(data[:min(len(data), 4096)]))
	head = strings.TrimSpace(strings.TrimPrefix(head, "\uFEFF"))
	return strings.HasPrefix(head, "OFXHEADER") || strings.Contains(head, "<OFX>") || strings.Contains(head, "<?OFX")
}

// ofxTxn collects the elements of one STMTTRN.
type ofxTxn struct {
	n      int
	fields map[string]string
}

// Markup the OFX reader knows besides elements.
const (
	cdataStart   = "<![CDATA["
	cdataEnd     = "]]>"
	commentStart = "<!--"
	commentEnd   = "-->"
)

// errOFXDeclaration refuses markup declarations (DOCTYPE, ENTITY and any
// other <!...> that is neither a comment nor a CDATA section): they could
// define entities, and no OFX file needs one.
func errOFXDeclaration() error {
	return ofxErrorf("DOCTYPE, ENTITY and other <!...> declarations are not allowed")
}

// parseOFX reads the STMTTRN transactions of an OFX statement, 1.x (SGML,
// leaf elements without end tags) or 2.x (XML). It reads elements with a
// small tolerant tokenizer rather than an XML parser, because OFX 1.x is
// not XML. Comments and CDATA sections (taken literally) are read wherever
// XML allows them; DOCTYPE, ENTITY and other <!...> declarations are
// refused, and only the predefined XML entities and character references
// are decoded. A file that cannot be read is an *ofxError; transactions
// without a usable date or amount are rejections.
func parseOFX(data []byte) (parsed, error) {
	text := toUTF8(data)
	start := strings.Index(strings.ToUpper(text), "<OFX>")
	if start < 0 {
		return parsed{}, ofxErrorf("the file has no <OFX> element")
	}
	if err := checkOFXProlog(text[:start]); err != nil {
		return parsed{}, err
	}
	var (
		out   parsed
		stack []string
		txn   *ofxTxn
		txnN  int
	)
	s := text[start:]
	for len(s) > 0 {
		// Character data between elements (whitespace, mixed content)
		// carries nothing a statement needs.
		var err error
		if _, s, err = ofxText(s); err != nil {
			return parsed{}, err
		}
		if s == "" {
			break
		}
		switch {
		case strings.HasPrefix(s, "<!"):
			return parsed{}, errOFXDeclaration()
		case strings.HasPrefix(s, "<?"):
			end := strings.Index(s, "?>")
			if end < 0 {
				return parsed{}, ofxErrorf("unterminated processing instruction")
			}
			s = s[end+2:]
			continue
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			return parsed{}, ofxErrorf("unterminated tag")
		}
		tag := strings.TrimSpace(s[1:gt])
		s = s[gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToUpper(strings.TrimPrefix(tag, "/"))
		if !validOFXName(name) {
			return parsed{}, ofxErrorf("%q is not an OFX element name", truncate(name, 40))
		}
		if closing {
			// Pop to the matching aggregate, closing any transaction
			// inside it; an end tag of a leaf element (OFX 2.x) or of
			// nothing open is ignored.
			i := -1
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j] == name {
					i = j
					break
				}
			}
			if i < 0 {
				continue
			}
			if txn != nil && slices.Contains(stack[i:], "STMTTRN") {
				if err := out.addTxn(txn); err != nil {
					return parsed{}, err
				}
				txn = nil
			}
			stack = stack[:i]
			if len(stack) == 0 {
				break
			}
			continue
		}
		value, rest, err := ofxText(s)
		if err != nil {
			return parsed{}, err
		}
		value, s = strings.TrimSpace(value), rest
		if value == "" {
			// An aggregate (or an empty leaf, closed right away in 2.x).
			if len(stack) == maxOFXDepth {
				return parsed{}, ofxErrorf("elements are nested deeper than %d levels", maxOFXDepth)
			}
			stack = append(stack, name)
			if name == "STMTTRN" {
				if txn != nil {
					return parsed{}, ofxErrorf("STMTTRN %d is not closed before the next one", txnN)
				}
				txnN++
				txn = &ofxTxn{n: txnN, fields: map[string]string{}}
			}
			continue
		}
		switch {
		case txn != nil:
			if _, dup := txn.fields[name]; !dup {
				txn.fields[name] = value
			}
		case name == "CURDEF":
			cur := strings.ToUpper(value)
			if out.currency != "" && out.currency != cur {
				return parsed{}, ofxErrorf("the file mixes currencies %s and %s", out.currency, cur)
			}
			out.currency = cur
		case name == "ACCTID":
			out.accountID = value
		}
	}
	if txn != nil {
		// OFX 1.x files sometimes end without closing tags.
		if err := out.addTxn(txn); err != nil {
			return parsed{}, err
		}
	}
	return out, nil
}

// checkOFXProlog checks what comes before <OFX>: the 1.x header lines or
// the 2.x XML declaration and OFX processing instruction, and comments; a
// markup declaration there (DOCTYPE) is refused.
func checkOFXProlog(prolog string) error {
	for {
		i := strings.Index(prolog, "<!")
		if i < 0 {
			return nil
		}
		prolog = prolog[i:]
		if !strings.HasPrefix(prolog, commentStart) {
			return errOFXDeclaration()
		}
		end := strings.Index(prolog, commentEnd)
		if end < 0 {
			return ofxErrorf("unterminated comment")
		}
		prolog = prolog[end+len(commentEnd):]
	}
}

// ofxText reads the character data at the start of s up to the next tag,
// declaration or processing instruction: text with its entities decoded,
// CDATA sections taken literally and comments skipped. It returns the text
// and the rest of s.
func ofxText(s string) (text, rest string, err error) {
	var b strings.Builder
	for {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			lt = len(s)
		}
		b.WriteString(decodeEntities(s[:lt]))
		s = s[lt:]
		switch {
		case strings.HasPrefix(s, cdataStart):
			end := strings.Index(s, cdataEnd)
			if end < 0 {
				return "", "", ofxErrorf("unterminated CDATA section")
			}
			b.WriteString(s[len(cdataStart):end])
			s = s[end+len(cdataEnd):]
		case strings.HasPrefix(s, commentStart):
			end := strings.Index(s, commentEnd)
			if end < 0 {
				return "", "", ofxErrorf("unterminated comment")
			}
			s = s[end+len(commentEnd):]
		default:
			return b.String(), s, nil
		}
	}
}

// addTxn turns a STMTTRN into a line or a rejection.
func (p *parsed) addTxn(t *ofxTxn) error {
	if len(p.lines)+len(p.rejections) >= MaxStatementRows {
		return ofxErrorf("the file has more than %d transactions", MaxStatementRows)
	}
	reject := func(field, reason string) error {
		p.rejections = append(p.rejections, Rejection{Row: t.n, Field: field, Reason: reason})
		return nil
	}
	posted, err := parseOFXDate(t.fields["DTPOSTED"])
	if err != nil {
		return reject("DTPOSTED", "DTPOSTED "+err.Error())
	}
	amount := strings.TrimSpace(t.fields["TRNAMT"])
	sep := byte('.')
	if strings.Contains(amount, ",") && !strings.Contains(amount, ".") {
		sep = ','
	}
	amt, err := parseAmount(amount, sep, maxAmountDecimals)
	if err != nil {
		return reject("TRNAMT", "TRNAMT "+err.Error())
	}
	if amt.IsZero() {
		return reject("TRNAMT", "TRNAMT is zero")
	}
	desc := strings.TrimSpace(t.fields["NAME"] + " " + t.fields["MEMO"])
	ref := t.fields["REFNUM"]
	if ref == "" {
		ref = t.fields["CHECKNUM"]
	}
	fitid := cleanText(t.fields["FITID"])
	if len(fitid) > 255 {
		return reject("FITID", "FITID is longer than 255 characters")
	}
	p.lines = append(p.lines, line{row: t.n, postedOn: posted, amount: amt,
		description: cleanText(desc), reference: cleanText(ref), fitid: fitid})
	return nil
}

// parseOFXDate reads the date of an OFX datetime
// (YYYYMMDD[HHMMSS[.XXX]][[±h[.mm]][:TZ]]): the bank's calendar day, so the
// time and zone are not applied.
func parseOFXDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is missing")
	}
	if len(s) < 8 {
		return time.Time{}, fmt.Errorf("%q is not an OFX date", truncate(s, 40))
	}
	y, errY := strconv.Atoi(s[0:4])
	m, errM := strconv.Atoi(s[4:6])
	d, errD := strconv.Atoi(s[6:8])
	if errY != nil || errM != nil || errD != nil || !allDigits(s[:8]) {
		return time.Time{}, fmt.Errorf("%q is not an OFX date", truncate(s, 40))
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || t.Day() != d || !validDate(t) {
		return time.Time{}, fmt.Errorf("%q is not a real date", truncate(s, 40))
	}
	return t, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validOFXName reports whether name is an element name: letters, digits,
// '.', '_' and '-', at most maxOFXTagLength characters.
func validOFXName(name string) bool {
	if name == "" || len(name) > maxOFXTagLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// decodeEntities decodes the predefined XML entities and numeric character
// references; anything else is kept as written.
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for {
		amp := strings.IndexByte(s, '&')
		if amp < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:amp])
		s = s[amp:]
		semi := strings.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			b.WriteByte('&')
			s = s[1:]
			continue
		}
		ent := s[1:semi]
		switch ent {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				b.WriteByte('&')
				s = s[1:]
				continue
			}
			b.WriteRune(r)
		}
		s = s[semi+1:]
	}
}

// charRef reads "#NNN" or "#xHHH".
func charRef(ent string) (rune, bool) {
	if !strings.HasPrefix(ent, "#") {
		return 0, false
	}
	base, digits := 10, ent[1:]
	if strings.HasPrefix(digits, "x") || strings.HasPrefix(digits, "X") {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n == 0 || n > 0x10FFFF || n >= 0xD800 && n <= 0xDFFF {
		return 0, false
	}
	return rune(n), true
}
