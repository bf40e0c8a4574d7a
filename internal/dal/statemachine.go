package dal

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/internal/role"
)

// StateMachine governs the state column of one table: rows start in
// Initial and change state only through Transitions (the transition op),
// never by a plain update.
type StateMachine struct {
	Table, Column, Initial string
	Transitions            []Transition
}

// Transition moves a row from state From to state To on Event, for actors
// whose role is at least MinRole.
type Transition struct {
	From, Event, To, MinRole string
}

// machine is a validated StateMachine indexed by (from, event).
type machine struct {
	column  string
	initial string
	next    map[[2]string]Transition
}

// SetStateMachines validates machines against the catalog and installs
// them, replacing any installed before. Each machine's table and column
// must exist (the column text-like or an enum, not company_id or id),
// at most one machine per table, transitions complete and unique per
// (From, Event), roles known (viewer, cashier, manager, admin, owner) and
// Initial the From of some transition. On error nothing changes; the error
// lists every problem.
func (c *Catalog) SetStateMachines(machines []StateMachine) error {
	var errs []error
	built := map[string]*machine{}
	for _, sm := range machines {
		where := fmt.Sprintf("state machine %s.%s", sm.Table, sm.Column)
		t, ok := c.tables[sm.Table]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown table %q", where, sm.Table))
			continue
		}
		col, ok := t.Column(sm.Column)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: table %q has no column %q", where, sm.Table, sm.Column))
			continue
		case sm.Column == colCompany || sm.Column == colID || sm.Column == colVersion || sm.Column == colUpdatedAt:
			errs = append(errs, fmt.Errorf("%s: column %q is reserved", where, sm.Column))
			continue
		case col.Kind != KindText && col.Kind != KindOther:
			errs = append(errs, fmt.Errorf("%s: column %q has type %s, want a text or enum type", where, sm.Column, col.Type))
			continue
		}
		if _, dup := built[sm.Table]; dup {
			errs = append(errs, fmt.Errorf("%s: table %q already has a state machine", where, sm.Table))
			continue
		}
		m := &machine{column: sm.Column, initial: sm.Initial, next: map[[2]string]Transition{}}
		if sm.Initial == "" {
			errs = append(errs, fmt.Errorf("%s: empty initial state", where))
		}
		initialLeaves := false
		for _, tr := range sm.Transitions {
			if tr.From == "" || tr.Event == "" || tr.To == "" {
				errs = append(errs, fmt.Errorf("%s: transition %+v needs from, event and to", where, tr))
				continue
			}
			if !role.Known(tr.MinRole) {
				errs = append(errs, fmt.Errorf("%s: transition %s --%s--> %s: unknown min role %q", where, tr.From, tr.Event, tr.To, tr.MinRole))
			}
			key := [2]string{tr.From, tr.Event}
			if _, dup := m.next[key]; dup {
				errs = append(errs, fmt.Errorf("%s: two transitions on event %q from state %q", where, tr.Event, tr.From))
			}
			m.next[key] = tr
			initialLeaves = initialLeaves || tr.From == sm.Initial
		}
		if sm.Initial != "" && !initialLeaves {
			errs = append(errs, fmt.Errorf("%s: no transition leaves the initial state %q", where, sm.Initial))
		}
		built[sm.Table] = m
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("state machines of schema %q: %w", c.schema, err)
	}
	for _, t := range c.tables {
		t.machine = built[t.Name]
	}
	return nil
}
