package manifest

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/nexuspos/nexus/internal/schedule"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// jobNameRE is what a job's name may be.
var jobNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// MaxWebhookBody caps what a webhook may declare as its body limit.
const MaxWebhookBody = 32 << 20

// validateHooks checks the webhooks (as routes: method, pattern, unique id
// and shape) and the jobs (name, schedule, limits).
func validateHooks(m *nexusv1.Manifest) []error {
	var errs []error
	ids := map[string]bool{}
	shapes := map[string]string{}
	for _, w := range m.GetWebhooks() {
		where := fmt.Sprintf("webhook %q", w.GetId())
		if w.GetId() == "" {
			errs = append(errs, fmt.Errorf("webhook %s %s: empty id", w.GetMethod(), w.GetPattern()))
		} else if ids[w.GetId()] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		ids[w.GetId()] = true
		if !slices.Contains(allMethods, w.GetMethod()) {
			errs = append(errs, fmt.Errorf("%s: unsupported method %q", where, w.GetMethod()))
		}
		if w.GetMaxBodyBytes() < 0 || w.GetMaxBodyBytes() > MaxWebhookBody {
			errs = append(errs, fmt.Errorf("%s: max_body_bytes must be 0 to %d", where, MaxWebhookBody))
		}
		shape, err := patternShape(w.GetPattern())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: pattern %q: %w", where, w.GetPattern(), err))
			continue
		}
		key := w.GetMethod() + " " + shape
		if other, dup := shapes[key]; dup {
			errs = append(errs, fmt.Errorf("%s: %s %s duplicates webhook %q", where, w.GetMethod(), w.GetPattern(), other))
		}
		shapes[key] = w.GetId()
	}
	names := map[string]bool{}
	for _, j := range m.GetJobs() {
		where := fmt.Sprintf("job %q", j.GetName())
		if !jobNameRE.MatchString(j.GetName()) {
			errs = append(errs, fmt.Errorf("%s: name must match %s", where, jobNameRE))
		} else if names[j.GetName()] {
			errs = append(errs, fmt.Errorf("%s: duplicate name", where))
		}
		names[j.GetName()] = true
		if _, err := schedule.Parse(j.GetSchedule()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		if j.GetTimeoutMs() < 0 || j.GetMaxAttempts() < 0 || j.GetMaxAttempts() > 10 {
			errs = append(errs, fmt.Errorf("%s: timeout_ms must be >= 0 and max_attempts 0 to 10", where))
		}
	}
	return errs
}
