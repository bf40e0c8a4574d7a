package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// balancer is the load balancer of a rolling restart: it sends each
// request to the next backend whose /readyz last answered 200, as a
// health-checking proxy (HAProxy, nginx, a cloud load balancer) does, and
// never retries.
type balancer struct {
	mu       sync.Mutex
	backends []*backend
	next     int
}

type backend struct {
	url   *url.URL
	proxy *httputil.ReverseProxy
	ready bool
	// drainingSeen is set when its /readyz answered "draining".
	drainingSeen bool
}

// set makes slot i point at the host at rawURL, out of rotation until its
// /readyz answers 200.
func (b *balancer) set(t *testing.T, i int, rawURL string) {
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	be := &backend{url: u, proxy: httputil.NewSingleHostReverseProxy(u)}
	be.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.backends) <= i {
		b.backends = append(b.backends, nil)
	}
	b.backends[i] = be
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	var be *backend
	for range b.backends {
		c := b.backends[b.next%len(b.backends)]
		b.next++
		if c != nil && c.ready {
			be = c
			break
		}
	}
	b.mu.Unlock()
	if be == nil {
		http.Error(w, "balancer: no ready backend", http.StatusServiceUnavailable)
		return
	}
	be.proxy.ServeHTTP(w, r)
}

// check asks every backend's /readyz once.
func (b *balancer) check(ctx context.Context) {
	b.mu.Lock()
	backends := append([]*backend(nil), b.backends...)
	b.mu.Unlock()
	for _, be := range backends {
		if be == nil {
			continue
		}
		ready, draining := false, false
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		req, _ := http.NewRequestWithContext(cctx, http.MethodGet, be.url.String()+"/readyz", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			var body struct {
				Status string `json:"status"`
			}
			_ = json.NewDecoder(res.Body).Decode(&body)
			_ = res.Body.Close()
			ready, draining = res.StatusCode == http.StatusOK, body.Status == "draining"
		}
		cancel()
		b.mu.Lock()
		be.ready = ready
		be.drainingSeen = be.drainingSeen || draining
		b.mu.Unlock()
	}
}

func (b *balancer) state(i int) (ready, drainingSeen bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backends[i].ready, b.backends[i].drainingSeen
}

// TestRollingRestart restarts, one after the other, the two hosts of a
// platform (one database) behind a load balancer that health-checks
// /readyz every 100 ms, while clients keep sending writes that each take
// 300 ms in the plugin: with NEXUS_DRAIN_DELAY above the check interval,
// each stopping host answers /readyz with 503 "draining" first, finishes
// what it has in flight, and no request fails; every note acknowledged is
// stored exactly once.
func TestRollingRestart(t *testing.T) {
	t.Parallel()
	env := []string{"NEXUS_DRAIN_DELAY=1s"}
	dirs := []string{hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), hosttest.PluginDir(t, map[string]string{"probe": probe(t)})}
	hosts := []*hosttest.Host{hosttest.Start(t, dirs[0], env...)}
	hosts = append(hosts, hosttest.StartOn(t, hosts[0].DatabaseURL, dirs[1], env...))
	database := hosts[0].DatabaseURL
	tenant := hosts[0].NewTenant("MX", "probe")
	cashier := tenant.Tokens["cashier"]

	lb := &balancer{}
	for i, h := range hosts {
		lb.set(t, i, h.URL)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		for ctx.Err() == nil {
			lb.check(ctx)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	front := httptest.NewServer(lb)
	defer front.Close()
	for i := range hosts {
		hosttest.Eventually(t, 30*time.Second, fmt.Sprintf("host %d in rotation", i), func() bool { ready, _ := lb.state(i); return ready })
	}

	var sent, created atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	clients, done := 4, make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				sent.Add(1)
				body, _ := json.Marshal(map[string]string{"body": fmt.Sprintf("client %d note %d", c, n), "amount": "1.00"})
				req, _ := http.NewRequest(http.MethodPost, front.URL+"/api/v1/verticals/probe/notes/slow?ms=300", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+cashier)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err == nil {
					data, _ := io.ReadAll(res.Body)
					_ = res.Body.Close()
					if res.StatusCode == http.StatusCreated {
						created.Add(1)
						continue
					}
					err = fmt.Errorf("status %d: %s", res.StatusCode, data)
				}
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
			}
		}()
	}

	for i := range hosts {
		before := sent.Load()
		hosts[i].Stop()
		_, drainingSeen := lb.state(i)
		require.True(t, drainingSeen, "host %d answered /readyz with 503 draining before it stopped", i)
		require.Greater(t, sent.Load(), before, "requests kept coming while host %d stopped", i)
		hosts[i] = hosttest.StartOn(t, database, dirs[i], env...)
		lb.set(t, i, hosts[i].URL)
		hosttest.Eventually(t, 30*time.Second, fmt.Sprintf("restarted host %d in rotation", i), func() bool { ready, _ := lb.state(i); return ready })
	}
	close(done)
	wg.Wait()

	require.Empty(t, failures, "no request fails during the rolling restart (%d sent)", sent.Load())
	conn, err := pgx.Connect(context.Background(), database)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var stored, distinct int64
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT body) FROM probe.notes`).Scan(&stored, &distinct))
	require.Equal(t, created.Load(), stored, "every acknowledged note is stored")
	require.Equal(t, stored, distinct, "and stored once")
	t.Logf("%d requests through two rolling restarts, none failed", sent.Load())
}
