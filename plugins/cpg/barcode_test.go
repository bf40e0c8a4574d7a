package cpg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateBarcode(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"7501234567893", "4006381333931", "036000291452", "96385074", "0000000000000"} {
		require.NoError(t, ValidateBarcode(ok), ok)
	}
	for _, bad := range []string{"7501234567890", "036000291453", "12345", "75012345678931", "750123456789X", "ABCDEFGH"} {
		require.Error(t, ValidateBarcode(bad), bad)
	}
}
