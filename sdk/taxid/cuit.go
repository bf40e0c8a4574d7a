package taxid

import "strings"

// cuitPrefixes are the assigned CUIT/CUIL type prefixes: 20, 23, 24, 25, 26
// and 27 for individuals, 30, 33 and 34 for companies, 50, 51 and 55 for
// the "CUIT país" ids AFIP assigns to foreign countries and entities.
var cuitPrefixes = map[string]bool{
	"20": true, "23": true, "24": true, "25": true, "26": true, "27": true,
	"30": true, "33": true, "34": true,
	"50": true, "51": true, "55": true,
}

var cuitWeights = [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// ValidateCUIT checks that s is a well-formed CUIT (or CUIL): 11 digits,
// hyphens and spaces allowed ("20-12345678-6"), an assigned type prefix and
// a matching mod-11 check digit. It returns the 11 digits.
func ValidateCUIT(s string) (string, error) {
	norm := normalize(s)
	if n := len([]rune(norm)); n != 11 {
		return "", newError("CUIT", ErrLength, "must be 11 digits, got %d characters", n)
	}
	for i, r := range norm {
		if !isDigit(r) {
			return "", newError("CUIT", ErrPattern, "character %d (%q) must be a digit", i+1, r)
		}
	}
	if !cuitPrefixes[norm[:2]] {
		return "", newError("CUIT", ErrPrefix,
			"%s is not a CUIT type (20, 23, 24, 25, 26, 27, 30, 33, 34, 50, 51, 55)", norm[:2])
	}
	want, err := cuitCheckDigit(norm[:10])
	if err != nil {
		return "", err
	}
	if got := int(norm[10] - '0'); got != want {
		return "", newError("CUIT", ErrCheckDigit, "check digit is %d, expected %d", got, want)
	}
	return norm, nil
}

// CUITCheckDigit returns the mod-11 check digit of body, the first 10
// digits of a CUIT or CUIL (type prefix and number, without separators).
// Appending it to body gives a CUIT whose check digit ValidateCUIT accepts;
// it is how a generator of test or demo CUITs completes one. A body whose
// check digit would be 10 has none (AFIP never assigns it): that is an
// ErrCheckDigit error, and a generator moves on to another number. A body
// that is not 10 digits is an ErrLength or ErrPattern error; the type
// prefix is not validated.
func CUITCheckDigit(body string) (int, error) {
	if len(body) != 10 {
		return 0, newError("CUIT", ErrLength, "a check digit needs the first 10 digits, got %d characters", len([]rune(body)))
	}
	for i, r := range body {
		if !isDigit(r) {
			return 0, newError("CUIT", ErrPattern, "character %d (%q) must be a digit", i+1, r)
		}
	}
	return cuitCheckDigit(body)
}

// cuitCheckDigit computes the check digit of body, 10 ASCII digits: the
// digits weighted 5, 4, 3, 2, 7, 6, 5, 4, 3, 2, summed modulo 11, and
// 11 − remainder, with 11 written as 0; 10 means there is none.
func cuitCheckDigit(body string) (int, error) {
	sum := 0
	for i, w := range cuitWeights {
		sum += int(body[i]-'0') * w
	}
	switch want := 11 - sum%11; want {
	case 11:
		return 0, nil
	case 10:
		return 0, newError("CUIT", ErrCheckDigit,
			"%s has no valid check digit (AFIP never assigns it)", body)
	default:
		return want, nil
	}
}

// Validate validates the tax id of a company registered in country: "MX"
// takes an RFC under ValidateCompanyRFC rules, "AR" a CUIT. It returns the
// normalized id and any warnings.
func Validate(country, taxID string) (normalized string, warnings []string, err error) {
	switch c := strings.ToUpper(strings.TrimSpace(country)); c {
	case "MX":
		res, err := ValidateCompanyRFC(taxID)
		if err != nil {
			return "", nil, err
		}
		return res.Normalized, res.Warnings, nil
	case "AR":
		cuit, err := ValidateCUIT(taxID)
		if err != nil {
			return "", nil, err
		}
		return cuit, nil, nil
	default:
		return "", nil, newError("country", ErrUnsupportedCountry,
			"no tax id validation for %q (MX, AR)", country)
	}
}
