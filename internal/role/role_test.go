package role_test

import (
	"testing"

	"github.com/nexuspos/nexus/internal/role"
)

func TestAtLeast(t *testing.T) {
	t.Parallel()
	order := []string{role.Viewer, role.Cashier, role.Manager, role.Admin, role.Owner}
	for i, r := range order {
		for j, min := range order {
			if got, want := role.AtLeast(r, min), i >= j; got != want {
				t.Errorf("AtLeast(%q, %q) = %v, want %v", r, min, got, want)
			}
		}
	}
	for _, r := range []string{"", "platform_admin", "Owner"} {
		if role.Known(r) || role.AtLeast(r, role.Viewer) {
			t.Errorf("%q is not a company role", r)
		}
	}
	if !role.AtLeast(role.Viewer, "") {
		t.Error("every role is at least the empty role")
	}
}
