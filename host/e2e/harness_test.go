package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

// binaries built once for the whole package.
var bin struct {
	dir   string
	host  string
	hello string
	probe string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nexus-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.dir = dir
	bin.host = filepath.Join(dir, "nexus")
	bin.hello = filepath.Join(dir, "hello")
	bin.probe = filepath.Join(dir, "probe")
	for out, pkg := range map[string]string{
		bin.host:  "github.com/nexuspos/nexus/host/cmd/nexus",
		bin.hello: "github.com/nexuspos/nexus/examples/hello",
		bin.probe: "github.com/nexuspos/nexus/internal/testverticals/probe/cmd/nexus-vertical-probe",
	} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// pluginDir returns a fresh plugin directory holding copies of the built
// plugins under the given vertical names (name → source binary).
func pluginDir(t *testing.T, plugins map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range plugins {
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "nexus-vertical-"+name), data, 0o755))
	}
	return dir
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// syncBuffer collects the host's output for assertions.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const (
	adminEmail    = "admin@e2e.test"
	adminPassword = "admin-password-1"
)

// host is a running host process started by a test.
type host struct {
	t         *testing.T
	cmd       *exec.Cmd
	url       string
	pluginDir string
	probeDir  string
	log       *syncBuffer
	done      chan struct{}
}

// startHost runs the built host against a fresh database with the plugins
// in dir and waits until it answers.
func startHost(t *testing.T, dir string, env ...string) *host {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	h := &host{t: t, url: "http://" + addr, pluginDir: dir, probeDir: t.TempDir(), log: &syncBuffer{}, done: make(chan struct{})}
	h.cmd = exec.Command(bin.host, "serve")
	h.cmd.Env = append(os.Environ(),
		"NEXUS_HTTP_ADDR="+addr,
		"NEXUS_DATABASE_URL="+storetest.NewDatabase(t),
		"NEXUS_PLUGIN_DIR="+dir,
		"NEXUS_ENV=test",
		"NEXUS_JWT_SECRET=e2e-secret-that-is-at-least-32-bytes-long",
		"NEXUS_BOOTSTRAP_ADMIN_EMAIL="+adminEmail,
		"NEXUS_BOOTSTRAP_ADMIN_PASSWORD="+adminPassword,
		"NEXUS_LOG_LEVEL=debug",
		"NEXUS_VERTICAL_PROBE_DIR="+h.probeDir,
	)
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	require.NoError(t, h.cmd.Start())
	go func() {
		_ = h.cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() {
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.done:
		case <-time.After(20 * time.Second):
			_ = h.cmd.Process.Kill()
		}
		for _, pid := range pluginPIDs(dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("host log:\n%s", h.log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(h.url + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case <-h.done:
			t.Fatalf("host exited during start:\n%s", h.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("host did not answer within 30s:\n%s", h.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return h
}

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// errorCode returns the envelope's error code.
func (r response) errorCode() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// do sends a request with an optional bearer token and JSON body.
func (h *host) do(ctx context.Context, method, path, token string, body any, headers ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.url+path, rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: data}, err
}

// call is do that fails the test on a transport error.
func (h *host) call(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	res, err := h.do(context.Background(), method, path, token, body, headers...)
	require.NoError(h.t, err)
	return res
}

// login returns an access token.
func (h *host) login(email, password string) string {
	h.t.Helper()
	res := h.call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	require.Equal(h.t, http.StatusOK, res.Status, string(res.Body))
	return res.json(h.t)["access_token"].(string)
}

// tenant is a company with one user per role, and the verticals enabled.
type tenant struct {
	id     string
	tokens map[string]string
}

// newTenant creates a company with an owner and a viewer and enables the
// given verticals for it.
func (h *host) newTenant(taxID string, verticals ...string) tenant {
	h.t.Helper()
	admin := h.login(adminEmail, adminPassword)
	res := h.call(http.MethodPost, "/api/v1/companies", admin, map[string]string{
		"name": "Tenant " + taxID, "country": "AR", "currency": "ARS", "tax_id": taxID,
		"timezone": "America/Argentina/Buenos_Aires",
	})
	require.Equal(h.t, http.StatusCreated, res.Status, string(res.Body))
	tn := tenant{id: res.json(h.t)["id"].(string), tokens: map[string]string{}}
	for _, role := range []string{"owner", "viewer"} {
		email := role + "-" + taxID + "@e2e.test"
		res = h.call(http.MethodPost, "/api/v1/companies/"+tn.id+"/members", admin,
			map[string]string{"email": email, "password": "password-" + role, "role": role})
		require.Equal(h.t, http.StatusCreated, res.Status, string(res.Body))
		tn.tokens[role] = h.login(email, "password-"+role)
	}
	for _, v := range verticals {
		res = h.call(http.MethodPut, "/api/v1/companies/"+tn.id+"/verticals/"+v, tn.tokens["owner"], map[string]any{})
		require.Equal(h.t, http.StatusOK, res.Status, string(res.Body))
	}
	return tn
}

// pluginPIDs lists the processes whose executable lies in dir.
func pluginPIDs(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.HasPrefix(exe, dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// eventually polls cond every 20ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}
