package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/google/uuid"
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

// rfcAlphabet orders the characters for the SAT check digit.
const rfcAlphabet = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"

// rfcCheckDigit returns the SAT check digit of the first 11 (company) or 12
// (individual) characters of an RFC.
func rfcCheckDigit(body string) byte {
	rs := []rune(body)
	if len(rs) == 11 {
		rs = append([]rune{' '}, rs...)
	}
	sum := 0
	for i, r := range rs {
		sum += strings.IndexRune(rfcAlphabet, r) * (13 - i)
	}
	switch rem := sum % 11; rem {
	case 0:
		return '0'
	case 1:
		return 'A'
	default:
		return byte('0' + 11 - rem)
	}
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
	return body + string(rfcCheckDigit(body))
}

var cuitWeights = [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// cuit returns a valid CUIT with the given type prefix (30 for companies,
// 20 or 27 for individuals) for number n; numbers whose
// check digit would be 10 (never assigned) move on to the next one.
func cuit(prefix string, n uint64) string {
	for {
		base := fmt.Sprintf("%s%08d", prefix, n%100000000)
		sum := 0
		for i, w := range cuitWeights {
			sum += int(base[i]-'0') * w
		}
		switch check := 11 - sum%11; check {
		case 10:
			n++
		case 11:
			return base + "0"
		default:
			return base + string(byte('0'+check))
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
