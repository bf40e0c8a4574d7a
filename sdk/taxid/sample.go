package taxid

import (
	"errors"
	"fmt"
	"strings"
)

// SampleRFC returns a well-formed RFC for number n, for demo and test
// data: three letters (four for an individual), a real date, a homoclave
// and the matching check digit, so ValidateRFC accepts it without a
// warning. Different numbers usually give different RFCs; nothing says the
// RFC is not assigned to someone.
func SampleRFC(n uint64, individual bool) string {
	letters := 3
	if individual {
		letters = 4
	}
	var b strings.Builder
	m := n
	for range letters {
		b.WriteByte(byte('A' + m%26))
		m /= 26
	}
	year := 60 + m%40
	month := 1 + (n/7)%12
	day := 1 + (n/3)%28
	fmt.Fprintf(&b, "%02d%02d%02d", year%100, month, day)
	const homo = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"
	b.WriteByte(homo[n%uint64(len(homo))])
	b.WriteByte(homo[(n/uint64(len(homo)))%uint64(len(homo))])
	body := b.String()
	digit, err := RFCCheckDigit(body)
	if err != nil {
		// body is upper-case letters, a date and homoclave characters.
		panic(fmt.Sprintf("taxid: sample RFC body %q: %v", body, err))
	}
	return body + string(digit)
}

// SampleCUIT returns a valid CUIT with the two-digit type prefix (30 for
// companies, 20 or 27 for individuals) for number n, for demo and test
// data; numbers whose check digit would be 10 (never assigned) move on to
// the next one.
func SampleCUIT(prefix string, n uint64) string {
	for {
		base := fmt.Sprintf("%s%08d", prefix, n%100000000)
		digit, err := CUITCheckDigit(base)
		switch {
		case errors.Is(err, ErrCheckDigit):
			n++
		case err != nil:
			panic(fmt.Sprintf("taxid: sample CUIT body %q: %v", base, err))
		default:
			return base + string(rune('0'+digit))
		}
	}
}
