package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// OnPasswordCheck has fn called with the bcrypt cost of every hash a login
// compares a password against, until t ends. Tests using it must not run
// in parallel.
func OnPasswordCheck(t testing.TB, fn func(cost int)) {
	passwordChecked = func(hash string) {
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			cost = -1
		}
		fn(cost)
	}
	t.Cleanup(func() { passwordChecked = nil })
}
