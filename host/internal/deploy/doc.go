// Package deploy puts a new release of the host and its plugins live on a
// plain host (systemd) or under docker compose, and takes it back out when
// it does not work: it refuses a dirty work tree or another branch than the
// configured one, runs the critical tests, builds the release into its own
// directory under releases/, stops the running host, takes a backup
// (package backup), applies the release's migrations with the release's own
// binary, points the current symlink at the release, starts it, waits for
// /readyz and sends smoke requests (a login, a route of a serving vertical,
// a revenue report). A release that serves degraded (/readyz 200, status
// degraded) goes live, and the deploy warns about it. On any failure after
// the stop it stops the new host, points current back at the previous
// release, reverts the migrations the deploy applied when the new host
// never ran (no data can have changed) or restores the backup when it did,
// starts the previous release again and says what happened; when a stop
// command fails it stops there instead, so that no second host starts
// beside one that may still run.
//
// The package drives processes and commands the operator configures (git,
// the test and build commands, the service's start and stop commands, the
// release's nexus binary); it must not know any vertical: the route it
// smoke-tests is configured or read from the host's own API description.
package deploy
