package cpg

import "fmt"

// ValidateBarcode checks a GTIN barcode: EAN-8, UPC-A (12 digits) or
// EAN-13, with its GS1 mod-10 check digit.
func ValidateBarcode(code string) error {
	switch len(code) {
	case 8, 12, 13:
	default:
		return fmt.Errorf("must be an EAN-8, UPC-A (12 digits) or EAN-13, got %d characters", len(code))
	}
	sum := 0
	for i := len(code) - 2; i >= 0; i-- {
		d := int(code[i] - '0')
		if d < 0 || d > 9 {
			return fmt.Errorf("must hold only digits")
		}
		if (len(code)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	last := int(code[len(code)-1] - '0')
	if last < 0 || last > 9 {
		return fmt.Errorf("must hold only digits")
	}
	if want := (10 - sum%10) % 10; last != want {
		return fmt.Errorf("check digit is %d, expected %d", last, want)
	}
	return nil
}
