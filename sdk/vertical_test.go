package sdk_test

import (
	"testing"

	"github.com/nexuspos/nexus/sdk"
)

func TestRoleAtLeast(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r, min sdk.Role
		want   bool
	}{
		{sdk.RoleOwner, sdk.RoleAdmin, true},
		{sdk.RoleAdmin, sdk.RoleManager, true},
		{sdk.RoleManager, sdk.RoleCashier, true},
		{sdk.RoleCashier, sdk.RoleViewer, true},
		{sdk.RoleManager, sdk.RoleManager, true},
		{sdk.RoleViewer, sdk.RoleCashier, false},
		{sdk.RoleAdmin, sdk.RoleOwner, false},
		{"", sdk.RoleViewer, false},
		{"platform_admin", sdk.RoleViewer, false},
	} {
		if got := c.r.AtLeast(c.min); got != c.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", c.r, c.min, got, c.want)
		}
	}
}
