// Package schedule parses the schedules of jobs, for the host's scheduler
// and for manifest validation alike: a five-field cron expression
// ("*/5 * * * *"), a descriptor ("@hourly", "@daily") or an interval
// ("@every 10m"), always in UTC. It performs no I/O.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule gives the activation times of a job.
type Schedule interface {
	// Next returns the first activation strictly after t.
	Next(t time.Time) time.Time
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// MinInterval is the shortest "@every" interval accepted.
const MinInterval = time.Second

// Parse parses expr. A time zone prefix (CRON_TZ=, TZ=) is refused: every
// schedule is in UTC, whichever host replica runs it.
func Parse(expr string) (Schedule, error) {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=") {
		return nil, fmt.Errorf("schedule %q: time zones are not supported (schedules are UTC)", expr)
	}
	if rest, ok := strings.CutPrefix(expr, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		if d < MinInterval {
			return nil, fmt.Errorf("schedule %q: interval below %s", expr, MinInterval)
		}
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", expr, err)
	}
	return utc{s}, nil
}

// utc evaluates a schedule in UTC whatever the time's location.
type utc struct{ s cron.Schedule }

func (u utc) Next(t time.Time) time.Time { return u.s.Next(t.UTC()) }
