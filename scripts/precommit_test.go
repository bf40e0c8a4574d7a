// Package scripts_test drives the repository's scripts as an operator
// runs them: the pre-commit guardian installed into a scratch repository.
package scripts_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scratch is a git repository with the guardian installed as its
// pre-commit hook, as `make hooks` installs it.
type scratch struct {
	t   *testing.T
	dir string
	env []string
}

// newScratch creates the repository, copies the hook script and the
// secret-scanning rules into it, installs the hook and commits both files
// (which the hook must accept).
func newScratch(t *testing.T) *scratch {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	gitleaks := filepath.Join(root, ".tools", "gitleaks")
	if _, err := os.Stat(gitleaks); err != nil {
		t.Fatalf("gitleaks is not installed at %s: run make tools (%v)", gitleaks, err)
	}
	s := &scratch{t: t, dir: t.TempDir(), env: append(os.Environ(),
		"GITLEAKS="+gitleaks,
		"GUARD_TESTS=", // the scratch repository has no Go module to test
		"GIT_AUTHOR_NAME=guard", "GIT_AUTHOR_EMAIL=guard@nexus.test",
		"GIT_COMMITTER_NAME=guard", "GIT_COMMITTER_EMAIL=guard@nexus.test",
	)}
	s.git("init", "-q", "-b", "main")
	for _, f := range []string{"scripts/pre-commit", ".gitleaks.toml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		s.write(f, b)
	}
	require.NoError(t, os.Chmod(filepath.Join(s.dir, "scripts/pre-commit"), 0o755))
	out, err := s.run("scripts/pre-commit", "--install")
	require.NoError(t, err, out)
	hook, err := os.ReadFile(filepath.Join(s.dir, ".git/hooks/pre-commit"))
	require.NoError(t, err)
	require.Contains(t, string(hook), "scripts/pre-commit")
	s.git("add", "-A")
	out, err = s.run("git", "commit", "-q", "-m", "guardian")
	require.NoError(t, err, "the guardian's own files must pass it: %s", out)
	return s
}

func (s *scratch) write(name string, content []byte) {
	s.t.Helper()
	path := filepath.Join(s.dir, name)
	require.NoError(s.t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(s.t, os.WriteFile(path, content, 0o644))
}

func (s *scratch) run(name string, args ...string) (string, error) {
	cmd := exec.CommandContext(s.t.Context(), name, args...)
	cmd.Dir, cmd.Env = s.dir, s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *scratch) git(args ...string) string {
	s.t.Helper()
	out, err := s.run("git", args...)
	require.NoError(s.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(out)
}

// commit stages name with content and commits it, returning the hook's
// output and whether the commit was made; a refused file is unstaged and
// removed again.
func (s *scratch) commit(name string, content []byte) (string, bool) {
	s.t.Helper()
	before := s.git("rev-parse", "HEAD")
	s.write(name, content)
	s.git("add", name)
	out, err := s.run("git", "commit", "-q", "-m", "add "+name)
	after := s.git("rev-parse", "HEAD")
	if err != nil {
		require.Equal(s.t, before, after, "a refused commit must leave HEAD alone")
		s.git("rm", "-q", "--cached", name)
		require.NoError(s.t, os.Remove(filepath.Join(s.dir, name)))
		return out, false
	}
	require.NotEqual(s.t, before, after)
	return out, true
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func randomBase64(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

func randomDigits(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// TestPreCommitRefusesSecretsAndLargeFiles commits, with the hook
// installed, a fake secret of each kind the project's rules name and a
// 20 MB file, and sees each refused; a clean file and an unformatted Go
// file show the hook accepts what it should and checks gofmt. The fake
// secrets are random and put together at run time, so this file itself
// passes the scan.
func TestPreCommitRefusesSecretsAndLargeFiles(t *testing.T) {
	t.Parallel()
	s := newScratch(t)

	out, ok := s.commit("README.md", []byte("# scratch\n\nNEXUS_JWT_SECRET is read from the environment: `NEXUS_JWT_SECRET=$(cat /run/secrets/jwt)`.\n"))
	require.True(t, ok, "a clean commit is accepted: %s", out)
	require.Contains(t, out, "guard: ok")

	pem := "-----BEGIN " + "RSA PRIVATE KEY-----\n" + randomBase64(t, 600) + "\n-----END " + "RSA PRIVATE KEY-----\n"
	secrets := []struct{ name, file, content, rule string }{
		{"JWT secret", "deploy/.env", "NEXUS_" + "JWT_SECRET=" + randomHex(t, 24) + "\n", "nexus-jwt-secret"},
		{"secrets key", "deploy/host.env", "NEXUS_" + "SECRETS_KEY=prod:" + randomBase64(t, 32) + "\n", "nexus-secrets-key"},
		{"private key", "certs/afip.pem", pem, "nexus-private-key"},
		{"key file", "certs/csd.key", randomHex(t, 16), "nexus-key-file"},
		{"Mercado Pago token", "payments.go", "package payments\n\nconst token = \"APP_" + "USR-" + randomDigits(t, 16) + "-" + randomDigits(t, 6) + "-" + randomHex(t, 16) + "-" + randomDigits(t, 9) + "\"\n", "mercadopago-access-token"},
		{"AFIP ticket", "wsaa.xml", "<credentials><to" + "ken>" + randomBase64(t, 300) + "</token><sign>" + randomBase64(t, 96) + "</sign></credentials>\n", "afip-wsaa-ticket"},
		{"PAC password", "pac.yml", "finkok_" + "password: \"" + randomHex(t, 10) + "\"\n", "pac-credential"},
	}
	for _, c := range secrets {
		out, ok := s.commit(c.file, []byte(c.content))
		require.False(t, ok, "%s: committed", c.name)
		require.Contains(t, out, "gitleaks found a secret", c.name)
		require.Contains(t, out, c.rule, c.name)
	}

	big := make([]byte, 20<<20)
	_, err := rand.Read(big)
	require.NoError(t, err)
	out, ok = s.commit("dump.bin", big)
	require.False(t, ok, "a 20 MB file was committed")
	require.Contains(t, out, "dump.bin (20971520 bytes)")
	require.Contains(t, out, "above the 1048576-byte limit")

	out, ok = s.commit("ugly.go", []byte("package ugly\nfunc  F( ) {}\n"))
	require.False(t, ok, "an unformatted Go file was committed")
	require.Contains(t, out, "not gofmt-formatted")

	out, ok = s.commit("pretty.go", []byte("package pretty\n\n// F does nothing.\nfunc F() {}\n"))
	require.True(t, ok, "a formatted Go file is accepted: %s", out)
	log := s.git("log", "--format=%s")
	require.Equal(t, "add pretty.go\nadd README.md\nguardian", log)
	require.False(t, bytes.Contains([]byte(s.git("ls-files")), []byte("dump.bin")))
}
