package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/nexuspos/nexus/host/internal/metrics"
)

// openMetrics makes the host's metrics and serves them at /metrics on
// NEXUS_METRICS_ADDR until ctx ends. Without the address metrics stay off
// (p.metrics is nil) and nothing is instrumented. The listener is never
// the public router's: bind it to loopback or a private interface.
func (p *platform) openMetrics(ctx context.Context) error {
	if p.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", p.cfg.MetricsAddr)
	if err != nil {
		return err
	}
	p.metrics = metrics.New()
	p.metrics.WatchPool(p.pool)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", p.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	p.log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("metrics server stopped", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return nil
}
