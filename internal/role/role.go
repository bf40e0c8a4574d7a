// Package role defines the company roles and their order once, for the
// host (auth, tenancy), the DAL's state machines and the SDK, which each
// give the names their own type.
package role

// The company roles, from least to most privileged.
const (
	Viewer  = "viewer"
	Cashier = "cashier"
	Manager = "manager"
	Admin   = "admin"
	Owner   = "owner"
)

// rank orders the company roles; an unknown role has rank 0.
var rank = map[string]int{Viewer: 1, Cashier: 2, Manager: 3, Admin: 4, Owner: 5}

// Known reports whether r names a company role.
func Known(r string) bool { return rank[r] > 0 }

// AtLeast reports whether r is a company role and min or more privileged.
// An unknown min ranks below every role.
func AtLeast(r, min string) bool { return Known(r) && rank[r] >= rank[min] }
