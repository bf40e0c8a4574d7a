package taxid_test

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/sdk/taxid"
)

// An RFC is normalized and its kind told; a wrong check digit is a
// warning, not a refusal (a real RFC may have been issued with it).
func ExampleValidateRFC() {
	rfc := taxid.SampleRFC(7, false)
	r, err := taxid.ValidateRFC(rfc)
	fmt.Println(r.Normalized == rfc, r.Kind, r.Warnings, err)

	bad := rfc[:11] + map[bool]string{true: "1", false: "2"}[rfc[11] != '1']
	r, err = taxid.ValidateRFC(bad)
	fmt.Println(r.Warnings, err)
	// Output:
	// true moral [] <nil>
	// [check digit does not match] <nil>
}

// The generic RFCs name no taxpayer: fine for a client, refused as a
// company's own.
func ExampleValidateCompanyRFC() {
	_, err := taxid.ValidateCompanyRFC(taxid.GenericRFC)
	fmt.Println(errors.Is(err, taxid.ErrGeneric))
	// Output: true
}

func ExampleValidateCUIT() {
	cuit, err := taxid.ValidateCUIT("20-12345678-6")
	fmt.Println(cuit, err)
	_, err = taxid.ValidateCUIT("20-12345678-5")
	fmt.Println(errors.Is(err, taxid.ErrCheckDigit))
	// Output:
	// 20123456786 <nil>
	// true
}

// Validate picks the rules of the company's country.
func ExampleValidate() {
	id, warnings, err := taxid.Validate("AR", "20123456786")
	fmt.Println(id, warnings, err)
	_, _, err = taxid.Validate("BR", "123")
	fmt.Println(errors.Is(err, taxid.ErrUnsupportedCountry))
	// Output:
	// 20123456786 [] <nil>
	// true
}

func ExampleCUITCheckDigit() {
	d, err := taxid.CUITCheckDigit("2012345678")
	fmt.Println(d, err)
	// Output: 6 <nil>
}

func ExampleRFCCheckDigit() {
	body := taxid.SampleRFC(3, true)[:12]
	d, err := taxid.RFCCheckDigit(body)
	if err != nil {
		panic(err)
	}
	r, err := taxid.ValidateRFC(body + string(d))
	fmt.Println(r.Kind, r.Warnings, err)
	// Output: fisica [] <nil>
}
