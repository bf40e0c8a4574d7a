package main

import (
	"debug/elf"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProbeAddr(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]string{
		":8080":          "127.0.0.1:8080",
		"0.0.0.0:9000":   "127.0.0.1:9000",
		"[::]:8080":      "127.0.0.1:8080",
		"10.1.2.3:8080":  "10.1.2.3:8080",
		"localhost:8080": "localhost:8080",
		"[::1]:8080":     "[::1]:8080",
	} {
		got, err := probeAddr(listen)
		require.NoError(t, err, listen)
		require.Equal(t, want, got, listen)
	}
	_, err := probeAddr("8080")
	require.ErrorContains(t, err, `NEXUS_HTTP_ADDR="8080"`)
}

// TestHealthcheckStaticBinary builds the host as the container image does
// (CGO_ENABLED=0), checks that it is static — it runs on an image with no
// libc — and that `nexus healthcheck` passes only when /healthz answers
// 200 on NEXUS_HTTP_ADDR.
func TestHealthcheckStaticBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "nexus")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the host binary asks for a dynamic loader")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs)

	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	probe := func(addr string) (string, error) {
		cmd := exec.Command(bin, "healthcheck")
		cmd.Env = append(os.Environ(), "NEXUS_HTTP_ADDR="+addr)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)

	out2, err := probe(":" + port)
	require.NoError(t, err, out2)

	status = http.StatusServiceUnavailable
	out2, err = probe(":" + port)
	require.Error(t, err)
	require.Contains(t, out2, "answered 503")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	out2, err = probe(closed)
	require.Error(t, err)
	require.Contains(t, out2, "connection refused")
}
