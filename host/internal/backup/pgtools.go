package backup

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Tools locates the PostgreSQL client programs (pg_dump, pg_restore): in
// Dir, or on PATH when Dir is empty. pg_dump must be of the server's
// major version or newer.
type Tools struct {
	Dir string
}

// command returns the command running program name with args, connected
// to the database of url through libpq's PG* variables.
func (t Tools) command(ctx context.Context, url, name string, args ...string) (*exec.Cmd, error) {
	path := name
	if t.Dir != "" {
		path = filepath.Join(t.Dir, name)
	}
	env, err := libpqEnv(url)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	return cmd, nil
}

// run runs name with args against url and returns its standard output; a
// failure carries the program's standard error.
func (t Tools) run(ctx context.Context, url, name string, args ...string) (string, error) {
	cmd, err := t.command(ctx, url, name, args...)
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// version returns program name's version line.
func (t Tools) version(ctx context.Context, name string) (string, error) {
	path := name
	if t.Dir != "" {
		path = filepath.Join(t.Dir, name)
	}
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w (install the PostgreSQL client tools, or name their directory)", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// sslModeParam finds the sslmode a URL or keyword/value string sets.
var sslModeParam = regexp.MustCompile(`(?:^|[?&\s])sslmode=([a-z-]+)`)

// libpqEnv returns this process's environment, without its PG* variables,
// plus those that connect libpq to the database of url: host, port, user,
// database, SSL mode and password — so the password never appears on a
// command line.
func libpqEnv(url string) ([]string, error) {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	env := make([]string, 0, len(os.Environ())+6)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	env = append(env, "PGHOST="+cfg.Host, "PGPORT="+strconv.Itoa(int(cfg.Port)),
		"PGUSER="+cfg.User, "PGDATABASE="+cfg.Database)
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password)
	}
	if m := sslModeParam.FindStringSubmatch(url); m != nil {
		env = append(env, "PGSSLMODE="+m[1])
	}
	return env, nil
}
