package plugins

import (
	"maps"
	"slices"
	"strings"
)

// StateDegraded is a running vertical part of whose declarations the host
// left out (Info.Reason says which and why): its routes, events and jobs
// are served, but, say, its revenue is missing from the reports. It is
// never a process state: Info shows it for a running vertical with
// problems (see Degrade).
const StateDegraded State = "degraded"

// Checks that find a running vertical's problems (Degrade).
const (
	// CheckUniversalSources: a universal-transaction source the reporting
	// views leave out (refused at validation, or its query failed at a
	// refresh).
	CheckUniversalSources = "universal_sources"
	// CheckRevenueEvents: a revenue event declaration the rollup leaves
	// out.
	CheckRevenueEvents = "revenue_events"
)

// Degrade records the problems check found with vertical name, each what
// it concerns (e.g. "universal source x_pos") and why, replacing that
// check's earlier findings; no problems clears them. A running vertical
// with problems is listed as StateDegraded with them as its reason, and
// /readyz names it. Unknown names are ignored.
func (m *Manager) Degrade(name, check string, problems map[string]string) {
	v, ok := m.get(name)
	if !ok {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(problems) == 0 {
		delete(v.problems, check)
		return
	}
	if v.problems == nil {
		v.problems = map[string]map[string]string{}
	}
	v.problems[check] = maps.Clone(problems)
}

// Serving reports whether the vertical runs, degraded or not.
func (i Info) Serving() bool { return i.State == StateRunning || i.State == StateDegraded }

// problemsLocked describes v's problems, sorted, or "" when it has none.
// The caller holds v.mu.
func (v *vertical) problemsLocked() string {
	var lines []string
	for _, problems := range v.problems {
		for what, why := range problems {
			lines = append(lines, what+": "+why)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "; ")
}

// Degraded returns the running verticals that have problems, with them.
func (m *Manager) Degraded() map[string]string {
	out := map[string]string{}
	for _, info := range m.List() {
		if info.State == StateDegraded {
			out[info.Name] = info.Reason
		}
	}
	return out
}
