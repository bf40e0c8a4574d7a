package hosttest

import (
	"fmt"
	"sync/atomic"
)

var seq atomic.Int64

// NewCUIT returns a fresh valid CUIT (prefix 30, mod-11 check digit).
func NewCUIT() string {
	weights := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	for {
		base := fmt.Sprintf("30%08d", 10000000+seq.Add(1)*7919%89999999)
		sum := 0
		for i, w := range weights {
			sum += int(base[i]-'0') * w
		}
		switch check := 11 - sum%11; check {
		case 10:
			continue
		case 11:
			return base + "0"
		default:
			return fmt.Sprintf("%s%d", base, check)
		}
	}
}

// NewRFC returns a fresh company RFC (3 letters, a real date, homoclave and
// check digit; a check digit that does not match only warns).
func NewRFC() string {
	n := seq.Add(1)
	letters := string(rune('A'+n%26)) + string(rune('A'+n/26%26)) + string(rune('A'+n/676%26))
	return fmt.Sprintf("%s%02d%02d%02dA1%d", letters, n%100, 1+n%12, 1+n%28, n%10)
}
