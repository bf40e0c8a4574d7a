package taxid_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/taxid"
)

// The bodies below are those of valid RFCs in TestValidateRFC; their check
// digits are worked out there.
func TestRFCCheckDigit(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]rune{
		"GODE561231GR": '8', // física
		"SAT970701NN":  '3', // moral
		"PEMJ801109AB": '0',
		"LOPE700101AG": 'A',
		"&BC010101AB":  '9',
		"MUÑO850415K3": '9',
	} {
		got, err := taxid.RFCCheckDigit(body)
		require.NoError(t, err, body)
		require.Equal(t, string(want), string(got), body)
		res, err := taxid.ValidateRFC(body + string(got))
		require.NoError(t, err, body)
		require.Empty(t, res.Warnings, body)
	}
}

func TestRFCCheckDigitRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		kind       error
	}{
		{"too short", "SAT970701N", taxid.ErrLength},
		{"too long", "GODE561231GR8", taxid.ErrLength},
		{"lower case", "sat970701NN", taxid.ErrPattern},
		{"space", "SAT 70701NN", taxid.ErrPattern},
		{"separator", "SAT-970701N", taxid.ErrPattern},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := taxid.RFCCheckDigit(tc.body)
			requireTaxIDError(t, err, "RFC", tc.kind)
		})
	}
}

// The bodies below are those of valid CUITs in TestValidateCUIT; their
// check digits are worked out there.
func TestCUITCheckDigit(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		"2012345678": 6,
		"3050001091": 2,
		"2000000006": 0, // 11 is written 0
		"5000000001": 6,
	} {
		got, err := taxid.CUITCheckDigit(body)
		require.NoError(t, err, body)
		require.Equal(t, want, got, body)
		_, err = taxid.ValidateCUIT(body + string(rune('0'+got)))
		require.NoError(t, err, body)
	}
}

func TestCUITCheckDigitRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		kind       error
	}{
		{"no check digit exists", "2000000001", taxid.ErrCheckDigit},
		{"too short", "201234567", taxid.ErrLength},
		{"a whole CUIT", "20123456786", taxid.ErrLength},
		{"hyphen", "20-1234567", taxid.ErrPattern},
		{"letter", "20123456A8", taxid.ErrPattern},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := taxid.CUITCheckDigit(tc.body)
			requireTaxIDError(t, err, "CUIT", tc.kind)
		})
	}
}
