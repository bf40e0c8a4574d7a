// Package redistest gives tests a Redis client on the shared test server,
// unique key prefixes so parallel tests never collide, and throwaway
// redis-server processes that a test may stop and restart to simulate an
// outage without disturbing the shared server. It is for tests only and
// must never be imported by production code.
package redistest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the shared test server used when NEXUS_TEST_REDIS_URL is
// unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// EnvURL names the environment variable holding the shared server's URL.
const EnvURL = "NEXUS_TEST_REDIS_URL"

// ServerBinary is the redis-server executable used by StartServer.
const ServerBinary = "/usr/bin/redis-server"

// URL returns the shared test server's URL.
func URL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// Client returns a client of the shared test server, closed when the test
// ends. The test fails, naming Redis, when the server is unreachable.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("redistest: Redis URL %s=%q: %v", EnvURL, URL(), err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redistest: Redis at %s is unreachable (set %s or start redis-server): %v", opt.Addr, EnvURL, err)
	}
	return c
}

// Prefix returns a key prefix no other test uses: "test:<random>:".
func Prefix() string {
	return "test:" + rand.Text() + ":"
}

// Server is a throwaway redis-server without persistence, listening on
// 127.0.0.1 at a port of its own.
type Server struct {
	Port int
	URL  string
	cmd  *exec.Cmd
}

// StartServer starts a throwaway redis-server, waits until it answers and
// kills it when the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: find a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &Server{Port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	s.Start(t)
	t.Cleanup(func() { s.kill() })
	return s
}

// Start (re)starts the server on its port and waits until it answers.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if s.cmd != nil {
		t.Fatalf("redistest: server on port %d already running", s.Port)
	}
	cmd := exec.Command(ServerBinary, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start Redis (%s): %v", ServerBinary, err)
	}
	s.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port)})
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: Redis on port %d did not start: %v", s.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (as an outage would) and waits for it to exit.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		t.Fatalf("redistest: server on port %d is not running", s.Port)
	}
	s.kill()
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Proxy is a TCP proxy in front of a Redis server. Stopping it cuts every
// connection and refuses new ones while the server, and its data, live on:
// an outage that does not lose state.
type Proxy struct {
	Addr   string
	URL    string
	target string

	mu    sync.Mutex
	l     net.Listener
	conns map[net.Conn]struct{}
}

// StartProxy starts a proxy to the Redis server at target (host:port) and
// stops it when the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy listen: %v", err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, conns: make(map[net.Conn]struct{})}
	p.URL = "redis://" + p.Addr + "/0"
	p.serve(l)
	t.Cleanup(p.stop)
	return p
}

// Stop cuts every connection and closes the listener.
func (p *Proxy) Stop() { p.stop() }

// Start listens again on the same address.
func (p *Proxy) Start(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", p.Addr)
	if err != nil {
		t.Fatalf("redistest: proxy relisten on %s: %v", p.Addr, err)
	}
	p.serve(l)
}

func (p *Proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *Proxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *Proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		_ = p.l.Close()
		p.l = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
}

// CleanupKeys deletes the keys of c matching pattern (SCAN syntax) when the
// test ends.
func CleanupKeys(t testing.TB, c *redis.Client, pattern string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("redistest: scan %s: %v", pattern, err)
			return
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				t.Errorf("redistest: delete %d keys matching %s: %v", len(keys), pattern, err)
			}
		}
	})
}
