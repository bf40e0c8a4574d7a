package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nexuspos/nexus/host/internal/config"
)

// healthcheckTimeout bounds one probe; a container runtime gives up on its
// own deadline too.
const healthcheckTimeout = 5 * time.Second

// healthcheck probes the /healthz of the host listening on NEXUS_HTTP_ADDR
// and fails unless it answers 200. It is the container image's health
// check, which has no curl nor shell.
func healthcheck(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return errors.New("usage: nexus healthcheck (probes http://NEXUS_HTTP_ADDR/healthz)")
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	addr, err := probeAddr(cfg.HTTPAddr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://" + addr + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", url, res.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// probeAddr turns a listen address into one to dial: a host left
// unspecified (":8080", "0.0.0.0:8080", "[::]:8080") is the loopback.
func probeAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("NEXUS_HTTP_ADDR=%q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
