package schedule_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/schedule"
)

func TestParse(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 10, 14, 7, 30, 0, time.UTC)
	mx, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	cases := []struct {
		expr string
		from time.Time
		want time.Time
	}{
		{"*/5 * * * *", from, time.Date(2026, 3, 10, 14, 10, 0, 0, time.UTC)},
		{"0 3 * * *", from, time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC)},
		{"@hourly", from, time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)},
		{"@every 90s", from, from.Add(90 * time.Second)},
		{"0 3 * * *", from.In(mx), time.Date(2026, 3, 11, 3, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		s, err := schedule.Parse(tc.expr)
		require.NoError(t, err, tc.expr)
		require.True(t, tc.want.Equal(s.Next(tc.from)), "%s after %s: got %s, want %s", tc.expr, tc.from, s.Next(tc.from), tc.want)
	}
	for _, bad := range []string{"", "* * *", "61 * * * *", "@every 10ms", "@every soon", "CRON_TZ=America/Mexico_City 0 3 * * *", "@fortnightly", "0 0 3 * * *"} {
		_, err := schedule.Parse(bad)
		require.Error(t, err, "%q", bad)
	}
}
