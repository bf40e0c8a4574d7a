package hosttest

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nexuspos/nexus/sdk/taxid"
)

var seq atomic.Int64

// NewCUIT returns a fresh valid CUIT (prefix 30, mod-11 check digit).
func NewCUIT() string {
	for {
		base := fmt.Sprintf("30%08d", 10000000+seq.Add(1)*7919%89999999)
		digit, err := taxid.CUITCheckDigit(base)
		switch {
		case errors.Is(err, taxid.ErrCheckDigit):
			continue
		case err != nil:
			// base is "30" and eight digits.
			panic(fmt.Sprintf("hosttest: CUIT body %q: %v", base, err))
		}
		return fmt.Sprintf("%s%d", base, digit)
	}
}

// NewRFC returns a fresh company RFC (3 letters, a real date, homoclave and
// check digit; a check digit that does not match only warns).
func NewRFC() string {
	n := seq.Add(1)
	letters := string(rune('A'+n%26)) + string(rune('A'+n/26%26)) + string(rune('A'+n/676%26))
	return fmt.Sprintf("%s%02d%02d%02dA1%d", letters, n%100, 1+n%12, 1+n%28, n%10)
}
