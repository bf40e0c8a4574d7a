package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nexuspos/nexus/host/internal/backup"
)

// Result says what a deploy did.
type Result struct {
	// Release is the new release's directory ("" when the deploy stopped
	// before building it).
	Release string
	// Previous is the release that was live before ("" on a first deploy).
	Previous string
	// Backup is the directory of the backup taken before migrating.
	Backup string
	// Live reports the new release serving.
	Live bool
	// Degraded says what the live release serves degraded, as its /readyz
	// said after the smoke requests: a vertical part of whose
	// declarations the host left out, a shared service in its fallback
	// mode. The release went live all the same (it serves); empty when
	// fully ready.
	Degraded []string
}

// deployment is one run of Run.
type deployment struct {
	c   Config
	res Result
	// before is schema_migrations as the backup saw it.
	before applied
	// started is set once the new release's host was started: from then
	// on it may have written data.
	started bool
}

// Run deploys the release built from c.Source (see the package comment).
// On failure the error says which step failed and what the rollback did.
func Run(ctx context.Context, c Config) (Result, error) {
	if err := c.validate(); err != nil {
		return Result{}, err
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	d := &deployment{c: c}
	if err := d.prepare(ctx); err != nil {
		if d.res.Release != "" {
			_ = os.RemoveAll(d.res.Release)
		}
		return d.res, fmt.Errorf("deploy refused, nothing changed: %w", err)
	}
	d.logf("stopping the running host")
	if err := shell(ctx, c.Root, c.StopCmd, c.Env, c.Out); err != nil {
		return d.res, d.rollback(ctx, "stop", err)
	}
	d.res.Backup = filepath.Join(c.BackupDir, filepath.Base(d.res.Release))
	d.logf("backing up the database to %s", d.res.Backup)
	if _, err := backup.Backup(ctx, backup.Options{DatabaseURL: c.DatabaseURL, Dir: d.res.Backup, NexusVersion: c.Version, Tools: c.Tools}); err != nil {
		d.res.Backup = ""
		return d.res, d.rollback(ctx, "backup", err)
	}
	var err error
	if d.before, err = readApplied(ctx, c.DatabaseURL); err != nil {
		return d.res, d.rollback(ctx, "backup", err)
	}
	if err := d.migrate(ctx, "up"); err != nil {
		return d.res, d.rollback(ctx, "migrate", err)
	}
	if err := point(c.Root, d.res.Release); err != nil {
		return d.res, d.rollback(ctx, "switch", err)
	}
	d.logf("starting %s", filepath.Base(d.res.Release))
	d.started = true
	if err := shell(ctx, c.Root, c.StartCmd, c.Env, c.Out); err != nil {
		return d.res, d.rollback(ctx, "start", err)
	}
	if _, err := waitReady(ctx, c.URL, c.ReadyTimeout); err != nil {
		return d.res, d.rollback(ctx, "ready", err)
	}
	d.logf("ready; smoke requests")
	done, err := smoke(ctx, c, time.Now())
	for _, line := range done {
		d.logf("  %s", line)
	}
	if err != nil {
		return d.res, d.rollback(ctx, "smoke", err)
	}
	// Still ready after the smoke requests; degraded or not is read now,
	// once the host has settled.
	if d.res.Degraded, err = waitReady(ctx, c.URL, c.ReadyTimeout); err != nil {
		return d.res, d.rollback(ctx, "ready", err)
	}
	d.res.Live = true
	d.logf("deployed %s (previous: %s; backup: %s)", filepath.Base(d.res.Release), orNone(d.res.Previous), d.res.Backup)
	if len(d.res.Degraded) > 0 {
		d.logf("WARNING: %s is live DEGRADED: it serves, but /readyz says part of it is left out or in a fallback mode:", filepath.Base(d.res.Release))
		for _, line := range d.res.Degraded {
			d.logf("WARNING:   %s", line)
		}
		d.logf("WARNING: fix it and deploy again, or roll back by hand (docs/operations.md)")
	}
	return d.res, nil
}

// prepare checks the tree, runs the tests and builds the release: nothing
// live changes.
func (d *deployment) prepare(ctx context.Context) error {
	c := d.c
	commit, err := checkTree(ctx, c.Source, c.Branch)
	if err != nil {
		return err
	}
	d.logf("%s at %s on %s", c.Source, commit, c.Branch)
	if c.TestCmd != "" {
		d.logf("critical tests: %s", c.TestCmd)
		if err := shell(ctx, c.Source, c.TestCmd, c.Env, c.Out); err != nil {
			return fmt.Errorf("critical tests: %w", err)
		}
	}
	d.logf("build: %s", c.BuildCmd)
	if err := shell(ctx, c.Source, c.BuildCmd, c.Env, c.Out); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if d.res.Previous, err = current(c.Root); err != nil {
		return err
	}
	if d.res.Release, err = newRelease(c.Root, c.Source, commit, time.Now()); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	d.logf("release %s (previous: %s)", d.res.Release, orNone(d.res.Previous))
	return nil
}

// migrate runs the release's nexus binary: `migrate --all up` for the host
// and each plugin of the release (dir "up"), or `migrate down N` for each
// component that has N migrations more than before the deploy (dir
// "down"). The release's binaries carry the migrations and their down SQL.
func (d *deployment) migrate(ctx context.Context, dir string) error {
	bin := filepath.Join(d.res.Release, "bin", "nexus")
	pluginDir := filepath.Join(d.res.Release, "bin", "plugins")
	env := append(append([]string(nil), d.c.Env...), "NEXUS_DATABASE_URL="+d.c.DatabaseURL, "NEXUS_PLUGIN_DIR="+pluginDir)
	run := func(args ...string) error {
		d.logf("nexus %s", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, d.c.Out, d.c.Out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("nexus %s: %w", strings.Join(args, " "), err)
		}
		return nil
	}
	if dir == "up" {
		return run("migrate", "--all", "up")
	}
	after, err := readApplied(ctx, d.c.DatabaseURL)
	if err != nil {
		return err
	}
	extra := after.since(d.before)
	// Verticals first (their migrations may use what the host's create),
	// then the host.
	components := slices.SortedFunc(maps.Keys(extra), func(a, b string) int {
		return cmp.Or(cmp.Compare(boolInt(a == "host"), boolInt(b == "host")), cmp.Compare(a, b))
	})
	for _, comp := range components {
		args := []string{"migrate"}
		if comp != "host" {
			args = append(args, "--vertical", comp)
		}
		if err := run(append(args, "down", strconv.Itoa(extra[comp]))...); err != nil {
			return err
		}
	}
	// Back where the backup found it: the same migrations, tables and row
	// counts (a destructive migration's down cannot bring its data back).
	return backup.Verify(ctx, backup.Options{DatabaseURL: d.c.DatabaseURL, Dir: d.res.Backup})
}

// rollback undoes a deploy that failed at step: it stops the new host if
// it was started, points current back at the previous release, brings the
// database back (the down migrations when the new host never ran, the
// backup otherwise or when they fail) and starts the previous release.
// It returns an error saying what failed and what was done.
//
// A stop command that failed (the deploy's own, at step "stop", or the
// rollback's) ends it there: a host may still run, and starting the
// previous release beside it would put two hosts on one port and one
// database, so nothing more changes (see stopFailed).
func (d *deployment) rollback(ctx context.Context, step string, cause error) error {
	// The rollback runs to its end even when the deploy's context ends.
	ctx = context.WithoutCancel(ctx)
	c := d.c
	d.logf("FAILED at %s: %v", step, cause)
	if step == "stop" {
		return d.stopFailed(step, cause, nil)
	}
	var did []string
	var problems []error
	if d.started {
		d.logf("stopping the new host")
		if err := shell(ctx, c.Root, c.StopCmd, c.Env, c.Out); err != nil {
			return d.stopFailed(step, cause, err)
		}
		did = append(did, "stopped the new host")
	}
	if err := point(c.Root, d.res.Previous); err != nil {
		problems = append(problems, fmt.Errorf("point %s back at the previous release: %w", CurrentLink, err))
	} else if d.res.Previous != "" {
		did = append(did, CurrentLink+" points at "+filepath.Base(d.res.Previous)+" again")
	}
	if d.res.Backup != "" && d.before != nil {
		did, problems = d.restoreData(ctx, did, problems)
	}
	if d.res.Previous != "" {
		d.logf("starting the previous release %s", filepath.Base(d.res.Previous))
		if err := shell(ctx, c.Root, c.StartCmd, c.Env, c.Out); err != nil {
			problems = append(problems, fmt.Errorf("start the previous release: %w", err))
		} else if _, err := waitReady(ctx, c.URL, c.ReadyTimeout); err != nil {
			problems = append(problems, fmt.Errorf("previous release: %w", err))
		} else {
			did = append(did, "the previous release "+filepath.Base(d.res.Previous)+" serves")
		}
	}
	summary := fmt.Sprintf("deploy of %s failed at %s: %v; rolled back: %s", filepath.Base(d.res.Release), step, cause, orNone(strings.Join(did, "; ")))
	if len(problems) > 0 {
		d.logf("ROLLBACK INCOMPLETE: %v", errors.Join(problems...))
		return fmt.Errorf("%s; ROLLBACK INCOMPLETE: %w", summary, errors.Join(problems...))
	}
	d.logf("%s", summary)
	return errors.New(summary)
}

// stopFailed is the end of a rollback whose stop command failed: stopErr,
// or cause itself at step "stop" (the running host could not be stopped
// before anything changed). Nothing more is undone — current, the
// database and the running processes stay as they are — and the error
// says so and what the operator has to do.
func (d *deployment) stopFailed(step string, cause, stopErr error) error {
	release, previous := filepath.Base(d.res.Release), ""
	if d.res.Previous != "" {
		previous = filepath.Base(d.res.Previous)
	}
	if stopErr == nil {
		msg := fmt.Sprintf("deploy of %s failed at stop: %v; nothing changed: %s still points at %s, and the previous release was not started again, as the host may still run: check it, and start it if it is down",
			release, cause, CurrentLink, orNone(previous))
		d.logf("%s", msg)
		return errors.New(msg)
	}
	restart := "point " + CurrentLink + " at " + previous + ", restore the backup " + orNone(d.res.Backup) + " and start the previous release"
	if d.res.Previous == "" {
		restart = "remove " + CurrentLink + " and restore the backup " + orNone(d.res.Backup)
	}
	msg := fmt.Sprintf("deploy of %s failed at %s: %v; ROLLBACK STOPPED: could not stop the new host: %v; "+
		"nothing was rolled back, as starting the previous release beside a host that may still run would put two hosts on one port and one database: "+
		"%s still points at %s and the database is as the new host left it. Stop the host by hand, then %s (docs/operations.md, Deploy and rollback)",
		release, step, cause, stopErr, CurrentLink, release, restart)
	d.logf("%s", msg)
	return errors.New(msg)
}

// restoreData brings the database back to the backup's state: the down
// migrations of what the deploy applied when the new host never ran (only
// migrations wrote), else — or when they fail — the backup, restored under
// the database's name once the database the new release wrote is renamed
// aside.
func (d *deployment) restoreData(ctx context.Context, did []string, problems []error) ([]string, []error) {
	c := d.c
	if !d.started {
		err := d.migrate(ctx, "down")
		if err == nil {
			return append(did, "reverted the migrations the deploy applied and checked migrations, tables and row counts against the backup (the new host never ran: no data changed)"), problems
		}
		d.logf("down migrations failed (%v); restoring the backup", err)
	}
	aside, err := setAside(ctx, c.DatabaseURL, time.Now())
	if err != nil {
		return did, append(problems, fmt.Errorf("restore the backup %s: %w", d.res.Backup, err))
	}
	d.logf("the database the new release used is kept as %s; restoring %s", aside, d.res.Backup)
	if _, err := backup.Restore(ctx, backup.Options{DatabaseURL: c.DatabaseURL, Dir: d.res.Backup, Tools: c.Tools}); err != nil {
		return did, append(problems, fmt.Errorf("restore the backup %s: %w", d.res.Backup, err))
	}
	return append(did, "restored the backup "+d.res.Backup+" (the database the new release used is kept as "+aside+")"), problems
}

func (d *deployment) logf(format string, args ...any) {
	fmt.Fprintf(d.c.Out, "deploy: "+format+"\n", args...)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
