package httpxtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNonUTCTimes(t *testing.T) {
	t.Parallel()
	bad, n, err := nonUTCTimes([]byte(`{"a":"2024-05-01T12:00:00Z","b":[{"c":"2024-05-01T12:00:00.5-06:00"}],
		"d":"2024-05-01","e":"hello","f":3,"g":null,"h":"2024-05-01T18:00:00+00:00"}`))
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.ElementsMatch(t, []string{"$.b[0].c=2024-05-01T12:00:00.5-06:00", "$.h=2024-05-01T18:00:00+00:00"}, bad)

	_, _, err = nonUTCTimes([]byte("nope"))
	require.Error(t, err)
}
