// Package e2e holds the end-to-end tests: they build the real host and
// plugin binaries, start the host against a fresh PostgreSQL database and
// drive it over HTTP. The package has no non-test code.
package e2e
