package taxid_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/taxid"
)

// requireTaxIDError checks err is a *taxid.Error of the given scheme and kind.
func requireTaxIDError(t *testing.T, err error, scheme string, kind error) {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var te *taxid.Error
	require.True(t, errors.As(err, &te), "not a *taxid.Error: %v", err)
	require.Equal(t, scheme, te.Scheme)
	require.NotEmpty(t, te.Detail)
}

// Check digits below follow the SAT algorithm: values from
// "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ" (A=10, N=23, &=24, O=25,
// Z=36, space=37, Ñ=38) weighted 13..2 over the first 12 characters
// (12-character RFCs get a leading space); r = sum mod 11; digit 0 when
// r = 0, else 11 − r, 10 written A.
func TestValidateRFC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     string
		kind     taxid.Kind
		generic  bool
		warnings []string
	}{
		// G16·13+O25·12+D13·11+E14·10+5·9+6·8+1·7+2·6+3·5+1·4+G16·3+R28·2 = 1026; 1026 mod 11 = 3 → 8.
		{"persona física", "GODE561231GR8", "GODE561231GR8", taxid.KindFisica, false, nil},
		// ␣37·13+S29·12+A10·11+T30·10+9·9+7·8+0+7·6+0+1·4+N23·3+N23·2 = 1537; mod 11 = 8 → 3.
		{"persona moral", "SAT970701NN3", "SAT970701NN3", taxid.KindMoral, false, nil},
		// Sum 949, mod 11 = 3 → 8.
		{"física with digit homoclave", "CACX7605101P8", "CACX7605101P8", taxid.KindFisica, false, nil},
		// Sum 1111, mod 11 = 0 → 0.
		{"check digit zero", "PEMJ801109AB0", "PEMJ801109AB0", taxid.KindFisica, false, nil},
		// Sum 1134, mod 11 = 1 → 10 → A.
		{"check digit A", "LOPE700101AGA", "LOPE700101AGA", taxid.KindFisica, false, nil},
		// ␣37·13+&24·12+B11·11+C12·10+0+1·8+0+1·6+0+1·4+A10·3+B11·2 = 1080; mod 11 = 2 → 9.
		{"ampersand in a company name", "&BC010101AB9", "&BC010101AB9", taxid.KindMoral, false, nil},
		// Sum 1553 (Ñ = 38), mod 11 = 2 → 9.
		{"Ñ in a name", "MUÑO850415K39", "MUÑO850415K39", taxid.KindFisica, false, nil},
		{"lower case, spaces and hyphens", "  muño-850415-k39 ", "MUÑO850415K39", taxid.KindFisica, false, nil},
		// Sum 754, mod 11 = 6 → 5; 29 Feb 2000 is real.
		{"leap day", "ABCD000229XY5", "ABCD000229XY5", taxid.KindFisica, false, nil},
		{"check digit mismatch is only a warning", "GODE561231GR9", "GODE561231GR9", taxid.KindFisica, false, []string{taxid.WarningCheckDigit}},
		{"generic RFC", "XAXX010101000", "XAXX010101000", taxid.KindFisica, true, nil},
		{"generic foreign RFC", "xexx010101000", "XEXX010101000", taxid.KindFisica, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := taxid.ValidateRFC(tc.in)
			require.NoError(t, err)
			require.Equal(t, taxid.Result{Normalized: tc.want, Kind: tc.kind, Generic: tc.generic, Warnings: tc.warnings}, got)
		})
	}
}

func TestValidateRFCRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		kind error
		msg  string
	}{
		{"empty", "", taxid.ErrLength, "RFC: invalid length: must be 12 characters (persona moral) or 13 (persona física), got 0"},
		{"too short", "GODE561231G", taxid.ErrLength, ""},
		{"too long", "GODE561231GR8X", taxid.ErrLength, ""},
		{"digit among letters", "G0DE561231GR8", taxid.ErrPattern, "RFC: invalid characters: character 2 ('0') must be a letter (A–Z, Ñ, &)"},
		{"company with four letters", "GODE61231GR8", taxid.ErrPattern, ""},
		{"letter in date", "GODE56I231GR8", taxid.ErrPattern, ""},
		{"Ñ in homoclave", "GODE561231ÑR8", taxid.ErrPattern, ""},
		{"bad check character", "GODE561231GRB", taxid.ErrPattern, "RFC: invalid characters: character 13 ('B') must be a check digit (0–9 or A)"},
		{"accented letter", "GÓDE561231GR8", taxid.ErrPattern, ""},
		{"30 February", "ABC990230AB1", taxid.ErrDate, "RFC: invalid date: 990230 is not a real date (YYMMDD)"},
		{"29 February of a common year", "ABCD010229XY5", taxid.ErrDate, ""},
		{"month 13", "ABC991301AB1", taxid.ErrDate, ""},
		{"day zero", "ABC990100AB1", taxid.ErrDate, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := taxid.ValidateRFC(tc.in)
			requireTaxIDError(t, err, "RFC", tc.kind)
			if tc.msg != "" {
				require.EqualError(t, err, tc.msg)
			}
			require.Zero(t, got)
		})
	}
}

func TestValidateCompanyRFC(t *testing.T) {
	t.Parallel()
	for _, generic := range []string{"XAXX010101000", " xexx010101000"} {
		_, err := taxid.ValidateCompanyRFC(generic)
		requireTaxIDError(t, err, "RFC", taxid.ErrGeneric)
	}
	got, err := taxid.ValidateCompanyRFC("sat970701nn3")
	require.NoError(t, err)
	require.Equal(t, "SAT970701NN3", got.Normalized)

	_, err = taxid.ValidateCompanyRFC("SAT970732NN3")
	requireTaxIDError(t, err, "RFC", taxid.ErrDate)
}

// CUIT check digits: weights 5,4,3,2,7,6,5,4,3,2 over the first ten digits;
// digit = 11 − sum mod 11, with 11 → 0 and 10 impossible.
func TestValidateCUIT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// 2·5+0+1·3+2·2+3·7+4·6+5·5+6·4+7·3+8·2 = 148; 148 mod 11 = 5 → 6.
		{"individual with hyphens", "20-12345678-6", "20123456786"},
		// 3·5+0+5·3+0+0+0+1·5+0+9·3+1·2 = 64; 64 mod 11 = 9 → 2.
		{"company", "30500010912", "30500010912"},
		// Sum 134; mod 11 = 2 → 9.
		{"spaces", " 20 31415926 9 ", "20314159269"},
		// Sum 22; mod 11 = 0 → 11 → 0.
		{"check digit zero", "20-00000006-0", "20000000060"},
		// Sum 84; mod 11 = 7 → 4.
		{"duplicate-individual prefix 23", "23-20304050-4", "23203040504"},
		// Sum 93; mod 11 = 5 → 6.
		{"duplicate-company prefix 33", "33-71112223-6", "33711122236"},
		// Sum 27; mod 11 = 5 → 6.
		{"CUIT país", "50-00000001-6", "50000000016"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := taxid.ValidateCUIT(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestValidateCUITRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		kind     error
		msg      string
	}{
		{"empty", "", taxid.ErrLength, "CUIT: invalid length: must be 11 digits, got 0 characters"},
		{"ten digits", "2012345678", taxid.ErrLength, ""},
		{"twelve digits", "201234567866", taxid.ErrLength, ""},
		{"letter", "20-1234567X-6", taxid.ErrPattern, "CUIT: invalid characters: character 10 ('X') must be a digit"},
		{"dot", "20.12345678", taxid.ErrPattern, "CUIT: invalid characters: character 3 ('.') must be a digit"},
		{"wrong check digit", "20-12345678-3", taxid.ErrCheckDigit, "CUIT: invalid check digit: check digit is 3, expected 6"},
		// Sum 12; mod 11 = 1 → 10: AFIP would have used prefix 23 instead.
		{"impossible check digit", "20-00000001-0", taxid.ErrCheckDigit, "CUIT: invalid check digit: 2000000001 has no valid check digit (AFIP never assigns it)"},
		// 1212345678: sum 151, mod 11 = 8 → 3, so the check digit is right but the prefix is not.
		{"unassigned prefix", "12-12345678-3", taxid.ErrPrefix, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := taxid.ValidateCUIT(tc.in)
			requireTaxIDError(t, err, "CUIT", tc.kind)
			if tc.msg != "" {
				require.EqualError(t, err, tc.msg)
			}
			require.Empty(t, got)
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, country, id string
		want              string
		warnings          []string
		scheme            string
		kind              error
	}{
		{"MX company", "MX", "sat970701nn3", "SAT970701NN3", nil, "", nil},
		{"MX with warning", " mx ", "GODE561231GR9", "GODE561231GR9", []string{taxid.WarningCheckDigit}, "", nil},
		{"MX generic rejected", "MX", "XAXX010101000", "", nil, "RFC", taxid.ErrGeneric},
		{"MX bad", "MX", "20-12345678-6", "", nil, "RFC", taxid.ErrLength},
		{"AR", "ar", "30-50001091-2", "30500010912", nil, "", nil},
		{"AR bad", "AR", "SAT970701NN3", "", nil, "CUIT", taxid.ErrLength},
		{"unsupported country", "BR", "12345678000195", "", nil, "country", taxid.ErrUnsupportedCountry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, warnings, err := taxid.Validate(tc.country, tc.id)
			if tc.kind != nil {
				requireTaxIDError(t, err, tc.scheme, tc.kind)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.warnings, warnings)
		})
	}
}
