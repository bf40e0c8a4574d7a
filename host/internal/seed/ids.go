package seed

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk/taxid"
)

// newUUID returns a version 4 UUID drawn from r, so a seed reproduces it.
func newUUID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// principalNamespace derives each company's default CPG location
// "Principal", as the vertical does (cpg.PrincipalLocationID).
var principalNamespace = uuid.MustParse("6f1d2a3e-8c1b-4c55-9d36-0b7f3c1e2a90")

// principalLocationID is the id the CPG vertical gives a company's default
// location.
func principalLocationID(companyID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(principalNamespace, []byte(strings.ToLower(companyID.String())))
}

// rfc returns a well-formed RFC with a matching check digit for number n:
// three letters (four for an individual), a real date and a homoclave.
func rfc(n uint64, individual bool) string {
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
	digit, err := taxid.RFCCheckDigit(body)
	if err != nil {
		// body is upper-case letters, digits and homoclave characters.
		panic(fmt.Sprintf("seed: RFC body %q: %v", body, err))
	}
	return body + string(digit)
}

// cuit returns a valid CUIT with the given type prefix (30 for companies,
// 20 or 27 for individuals) for number n; numbers whose check digit would
// be 10 (never assigned) move on to the next one.
func cuit(prefix string, n uint64) string {
	for {
		base := fmt.Sprintf("%s%08d", prefix, n%100000000)
		digit, err := taxid.CUITCheckDigit(base)
		switch {
		case errors.Is(err, taxid.ErrCheckDigit):
			n++
		case err != nil:
			// prefix is two digits, so base is ten.
			panic(fmt.Sprintf("seed: CUIT body %q: %v", base, err))
		default:
			return base + string(rune('0'+digit))
		}
	}
}

// ean13 returns the EAN-13 barcode of the 12 digits in body with its check
// digit.
func ean13(body string) string {
	sum := 0
	for i := range 12 {
		d := int(body[i] - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return body + string(byte('0'+(10-sum%10)%10))
}
