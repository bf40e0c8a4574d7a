package taxid_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/taxid"
)

func FuzzValidateRFC(f *testing.F) {
	for _, s := range []string{
		"GODE561231GR8", "SAT970701NN3", "XAXX010101000", "MUÑO850415K39", "&BC010101AB9",
		"ABC990230AB1", " gode-561231-gr8 ", "GODE561231GRB", "", "ÑÑÑÑ000229ÑÑÑ", "\xff\xfe",
		"GODE5612310R8", "ABCD000229XY5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res, err := taxid.ValidateRFC(s)
		if err != nil {
			var te *taxid.Error
			require.True(t, errors.As(err, &te), "untyped error %v", err)
			require.Zero(t, res)
			return
		}
		n := utf8.RuneCountInString(res.Normalized)
		require.True(t, n == 12 && res.Kind == taxid.KindMoral || n == 13 && res.Kind == taxid.KindFisica, "%+v", res)
		again, err := taxid.ValidateRFC(res.Normalized)
		require.NoError(t, err)
		require.Equal(t, res, again, "normalizing is idempotent")
	})
}

func FuzzValidateCUIT(f *testing.F) {
	for _, s := range []string{
		"20-12345678-6", "30500010912", "20000000060", "20-00000001-0", "12-12345678-3",
		"", "20-1234567X-6", "٢٠١٢٣٤٥٦٧٨٦", "20 31415926 9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := taxid.ValidateCUIT(s)
		if err != nil {
			var te *taxid.Error
			require.True(t, errors.As(err, &te), "untyped error %v", err)
			require.Empty(t, got)
			return
		}
		require.Len(t, got, 11)
		sum := 0
		for i, w := range []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2} {
			require.True(t, got[i] >= '0' && got[i] <= '9')
			sum += int(got[i]-'0') * w
		}
		require.Equal(t, (11-sum%11)%11, int(got[10]-'0'))
		again, err := taxid.ValidateCUIT(got)
		require.NoError(t, err)
		require.Equal(t, got, again)
	})
}
