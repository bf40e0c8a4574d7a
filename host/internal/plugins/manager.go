// Package plugins is the host's plugin runtime: it discovers vertical
// executables, launches them with go-plugin over gRPC (AutoMTLS, handshake,
// negotiated protocol version, optional sha256 pinning), validates their
// manifests, proxies their routes and delivers their events, watches their
// health and restarts them with backoff. The Host service the plugins call
// back (DB, Publish, Cache, Lock...) belongs to host/internal/hostsvc; the
// runtime serves one per running vertical through the go-plugin broker.
//
// It must never let a plugin failure take the host down, and never leaves
// a plugin running after Stop.
package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/hostsvc"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/locks"
	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/manifest"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Config configures the Manager. Zero values take the defaults noted.
type Config struct {
	// Dir is scanned for nexus-vertical-* executables.
	Dir string
	// LockFile pins plugin binaries by sha256; "" means Dir/plugins.lock.
	LockFile string
	// HealthInterval is the period of health checks (5 s).
	HealthInterval time.Duration
	// MaxRestarts within RestartWindow before a plugin is marked failed (5
	// per minute). A failed plugin is still retried, with backoff.
	MaxRestarts   int
	RestartWindow time.Duration
	// MaxBackoff caps the wait between two restarts of a crashing plugin
	// (1 min).
	MaxBackoff time.Duration
	// StartTimeout bounds a launch, handshake to Init (15 s).
	StartTimeout time.Duration
	// RequestTimeout bounds one proxied request (30 s).
	RequestTimeout time.Duration
	// Env is the whole environment of plugin processes
	// (config.PluginEnv); the host's own is never inherited.
	Env []string
	// HostVersion is reported to plugins at Init.
	HostVersion string
	Logger      hclog.Logger
	// Pool gives verticals their data: migrations, catalog, named queries
	// and the DB callbacks. Without it verticals have no database.
	Pool *pgxpool.Pool
	// Publish records events in a unit of work's transaction (the outbox).
	// Without it the Publish callback is refused.
	Publish hostsvc.Publisher
	// Cache and Locks back the cache and lock callbacks, scoped to the
	// vertical and the call's company.
	Cache cache.Backend
	Locks locks.Backend
	// Events, when set, receives the subscriptions verticals declare.
	Events *events.Service
	// Tenant resolves a company and its configuration of a vertical for
	// calls that do not come through the HTTP gate (events).
	Tenant func(ctx context.Context, companyID uuid.UUID, vertical string) (Tenant, error)
	// Secrets backs the GetSecret callback; without it the callback is
	// refused.
	Secrets hostsvc.SecretReader
	// Fiscal backs the fiscal document callbacks; without it they are
	// refused.
	Fiscal hostsvc.Fiscal
	// Payments backs the payment callbacks; without it they are refused.
	Payments hostsvc.Payments
	// Watch swaps in a plugin binary rebuilt in Dir without a host
	// restart: a new process takes the new calls while the old one
	// finishes its own (a development host only: NEXUS_ENV=dev).
	Watch bool
	// WatchInterval is how often Watch looks at the binaries (500 ms).
	WatchInterval time.Duration
	// DrainTimeout bounds how long a swapped-out process may finish its
	// calls in flight (RequestTimeout).
	DrainTimeout time.Duration
	// DialOptions, when set, adds options to the connection to a
	// vertical's plugin (the host's metrics time its calls).
	DialOptions func(vertical string) []grpc.DialOption
}

func (c *Config) defaults() {
	if c.HealthInterval <= 0 {
		c.HealthInterval = 5 * time.Second
	}
	if c.MaxRestarts <= 0 {
		c.MaxRestarts = 5
	}
	if c.RestartWindow <= 0 {
		c.RestartWindow = time.Minute
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 15 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.WatchInterval <= 0 {
		c.WatchInterval = 500 * time.Millisecond
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = c.RequestTimeout
	}
	if c.LockFile == "" {
		c.LockFile = c.Dir + "/plugins.lock"
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
}

// State is a vertical's lifecycle state.
type State string

// States of a vertical.
const (
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateRestarting State = "restarting"
	// StateFailed: it crashed MaxRestarts times within RestartWindow; it
	// is retried with backoff up to MaxBackoff (Info.NextAttempt).
	StateFailed State = "failed"
	// StateRefused: it never ran (checksum, protocol or manifest refused).
	StateRefused State = "refused"
	StateStopped State = "stopped"
)

// Manager runs every discovered vertical.
type Manager struct {
	cfg   Config
	log   hclog.Logger
	lock  map[string][]byte
	calls hostsvc.Calls

	mu        sync.RWMutex
	verticals map[string]*vertical

	stopOnce sync.Once
	stopping chan struct{}
	wg       sync.WaitGroup
}

// New returns a Manager; Start launches the plugins.
func New(cfg Config) *Manager {
	cfg.defaults()
	return &Manager{
		cfg:       cfg,
		log:       cfg.Logger,
		verticals: map[string]*vertical{},
		stopping:  make(chan struct{}),
	}
}

// vertical is one plugin and its current process.
type vertical struct {
	name string
	path string

	mu        sync.RWMutex
	state     State
	reason    string
	proc      *process
	restarts  []time.Time
	total     int
	startedAt time.Time
	// crashes counts the launches in a row that failed or did not stay up
	// for RestartWindow; it sets the backoff.
	crashes int
	// nextAttempt is when a restarting or failed vertical is launched again.
	nextAttempt time.Time
	// supervised is true while a supervise goroutine watches v.
	supervised bool
	// kick wakes the supervisor for a restart an admin asked for.
	kick chan struct{}
	// swap wakes the supervisor to swap in a rebuilt binary (Config.Watch).
	swap chan struct{}
	// swaps counts the processes swapped in for rebuilt binaries.
	swaps int
	// problems are what the host left out of v's declarations, by check
	// (Degrade); they outlive its processes.
	problems map[string]map[string]string
}

// process is one running incarnation of a plugin.
type process struct {
	client   *plugin.Client
	rpc      plugin.ClientProtocol
	api      nexusv1.VerticalClient
	manifest *nexusv1.Manifest
	router   *chi.Mux
	routes   map[string]*nexusv1.Route
	// webhooks routes the manifest's public webhooks.
	webhooks *chi.Mux
	// ui is the manifest's UI, ready to serve; nil when it declares none
	// or the host left it out.
	ui      *UI
	version int
	// data is nil when the host runs without a database.
	data *hostcall.Data
	// host serves the plugin's callbacks.
	host *hostsvc.Service
	// inflight counts the calls under way on this process (acquire).
	inflight sync.WaitGroup
	// sum is the sha256 of the binary it was launched from, when the
	// manager watches the binaries.
	sum string
}

// Start discovers and launches every plugin. A plugin that cannot start is
// logged and recorded, never fatal; only an unreadable directory or lock
// file is an error.
func (m *Manager) Start(ctx context.Context) error {
	lock, err := LoadLock(m.cfg.LockFile)
	if err != nil {
		return err
	}
	m.lock = lock
	bins, err := Discover(m.cfg.Dir)
	if err != nil {
		return err
	}
	if len(bins) == 0 {
		m.log.Warn("no plugins found", "dir", m.cfg.Dir)
	}
	var wg sync.WaitGroup
	for _, b := range bins {
		v := &vertical{name: b.Name, path: b.Path, state: StateStarting, kick: make(chan struct{}, 1), swap: make(chan struct{}, 1)}
		m.mu.Lock()
		m.verticals[b.Name] = v
		m.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.startVertical(ctx, v)
		}()
	}
	wg.Wait()
	if m.cfg.Watch {
		m.mu.Lock()
		m.wg.Add(1)
		m.mu.Unlock()
		go m.watch()
	}
	return nil
}

// startVertical launches v for the first time and, when it runs, keeps it
// supervised.
func (m *Manager) startVertical(ctx context.Context, v *vertical) {
	proc, err := m.launch(ctx, v)
	if err != nil {
		var refused *refusedError
		if errors.As(err, &refused) {
			m.log.Error("plugin refused", "vertical", v.name, "path", v.path, "reason", refused.Error())
			v.set(StateRefused, refused.Error(), nil)
			return
		}
		m.log.Error("plugin failed to start", "vertical", v.name, "error", err)
		v.mu.Lock()
		v.crashes++
		v.mu.Unlock()
		v.set(StateRestarting, err.Error(), nil)
	} else {
		v.set(StateRunning, "", proc)
		m.log.Info("plugin started", "vertical", v.name, "version", proc.manifest.GetVersion(),
			"protocol", proc.version, "routes", len(proc.manifest.GetRoutes()))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.superviseLocked(v)
}

// refusedError marks a plugin that must not be retried: its binary, its
// protocol or its manifest is wrong, and restarting cannot fix that.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// launch starts one process of v and registers it: handshake, Describe,
// manifest validation, host service, Init.
func (m *Manager) launch(ctx context.Context, v *vertical) (*process, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	cfg, err := m.clientConfig(v)
	if err != nil {
		return nil, err
	}
	var sum string
	if m.cfg.Watch {
		if sum, err = fileSum(v.path); err != nil {
			return nil, fmt.Errorf("launch %s: %w", v.path, err)
		}
	}
	client := plugin.NewClient(cfg)
	proc, err := m.register(ctx, v, client)
	if err != nil {
		client.Kill()
		return nil, err
	}
	proc.sum = sum
	return proc, nil
}

// clientConfig is how v's plugin is launched: gRPC over AutoMTLS with the
// versioned handshake, without the host's environment, checked against
// the lock file when there is one.
func (m *Manager) clientConfig(v *vertical) (*plugin.ClientConfig, error) {
	log := m.log.Named(v.name)
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{wire.ProtocolVersion: {wire.PluginName: &wire.Plugin{}}},
		Cmd:              pluginCommand(v.path, m.cfg.Env),
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           log,
		SyncStdout:       lineLogger(log, "stdout", hclog.Info),
		SyncStderr:       lineLogger(log, "stderr", hclog.Warn),
		StartTimeout:     m.cfg.StartTimeout,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(wire.CallOptions()...),
			grpc.WithChainUnaryInterceptor(tracing.ClientInterceptor(v.name))},
	}
	if m.cfg.DialOptions != nil {
		cfg.GRPCDialOptions = append(cfg.GRPCDialOptions, m.cfg.DialOptions(v.name)...)
	}
	if m.lock != nil {
		sum, ok := m.lock[v.name]
		if !ok {
			return nil, &refusedError{fmt.Errorf("%s is not listed in %s", v.path, m.cfg.LockFile)}
		}
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	return cfg, nil
}

// describe connects to v's launched plugin and returns its connection and
// validated manifest.
func (m *Manager) describe(ctx context.Context, v *vertical, client *plugin.Client) (plugin.ClientProtocol, *wire.Client, *nexusv1.Manifest, error) {
	rpc, err := client.Client()
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return nil, nil, nil, &refusedError{fmt.Errorf("sha256 of %s does not match %s", v.path, m.cfg.LockFile)}
	case err != nil && strings.Contains(err.Error(), "incompatible API version"):
		return nil, nil, nil, &refusedError{fmt.Errorf("unsupported protocol (host speaks version %d): %w", wire.ProtocolVersion, err)}
	case err != nil:
		return nil, nil, nil, fmt.Errorf("launch %s: %w", v.path, err)
	}
	raw, err := rpc.Dispense(wire.PluginName)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("dispense: %w", err)
	}
	wc := raw.(*wire.Client)
	man, err := wc.Describe(ctx, &nexusv1.DescribeRequest{ProtocolVersion: wire.ProtocolVersion})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("describe: %w", err)
	}
	if man.GetName() != v.name {
		return nil, nil, nil, &refusedError{fmt.Errorf("manifest name %q does not match binary %s%s", man.GetName(), BinaryPrefix, v.name)}
	}
	if err := manifest.Validate(man); err != nil {
		return nil, nil, nil, &refusedError{fmt.Errorf("invalid manifest: %w", err)}
	}
	return rpc, wc, man, nil
}

func (m *Manager) register(ctx context.Context, v *vertical, client *plugin.Client) (*process, error) {
	rpc, wc, man, err := m.describe(ctx, v, client)
	if err != nil {
		return nil, err
	}
	proc := &process{client: client, rpc: rpc, api: wc, manifest: man, version: client.NegotiatedVersion(),
		routes: map[string]*nexusv1.Route{}}
	if m.cfg.Pool != nil {
		if proc.data, err = hostcall.Prepare(ctx, m.cfg.Pool, man, m.log); err != nil {
			return nil, &refusedError{err}
		}
	}
	for _, r := range man.GetRoutes() {
		proc.routes[r.GetId()] = r
	}
	var uiProblems map[string]string
	proc.ui, uiProblems = newUI(man)
	proc.router, err = newRouter(man, func(r *nexusv1.Route) http.Handler { return m.routeHandler(v, proc, r) })
	if err != nil {
		return nil, &refusedError{err}
	}
	proc.router.NotFound(notFound)
	proc.router.MethodNotAllowed(httpx.MethodNotAllowed(proc.router, routePath))
	proc.webhooks, err = newWebhookRouter(man, func(w *nexusv1.Webhook) http.Handler { return m.webhookHandler(v, proc, w) })
	if err != nil {
		return nil, &refusedError{err}
	}
	proc.webhooks.NotFound(webhookNotMatched)
	proc.webhooks.MethodNotAllowed(httpx.MethodNotAllowed(proc.webhooks, routePath))
	if err := m.subscribe(ctx, v, man); err != nil {
		return nil, &refusedError{fmt.Errorf("subscriptions: %w", err)}
	}
	proc.host = hostsvc.New(hostsvc.Config{Vertical: v.name, Calls: &m.calls, Logger: m.log.Named(v.name), Publish: m.cfg.Publish,
		Cache: m.cfg.Cache, Locks: m.cfg.Locks, Wake: m.wake(), Secrets: m.cfg.Secrets, Fiscal: m.cfg.Fiscal,
		Payments: m.cfg.Payments})
	id := wc.Broker.NextId()
	go wc.Broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(wire.ServerOptions(append(opts, grpc.ChainUnaryInterceptor(tracing.ServerInterceptor)))...)
		proc.host.Register(s)
		return s
	})
	if _, err := wc.Init(ctx, &nexusv1.InitRequest{HostServiceId: id, HostVersion: m.cfg.HostVersion}); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if len(uiProblems) > 0 {
		m.log.Error("UI left out", "vertical", v.name, "reason", uiProblems["ui"])
	}
	m.Degrade(v.name, CheckUI, uiProblems)
	return proc, nil
}

// pluginCommand builds the command for a plugin, which runs with env only
// (Config.Env): the host's environment is not inherited.
func pluginCommand(path string, env []string) *exec.Cmd {
	cmd := exec.Command(path)
	cmd.Env = append([]string{}, env...)
	return cmd
}

// lineLogger returns a writer logging each line a plugin prints.
func lineLogger(log hclog.Logger, stream string, level hclog.Level) io.Writer {
	return log.With("stream", stream).StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: level})
}

// set records v's state, reason and process.
func (v *vertical) set(s State, reason string, proc *process) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.state, v.reason, v.proc = s, reason, proc
	if s == StateRunning {
		v.startedAt = time.Now()
		v.nextAttempt = time.Time{}
	}
}

// running returns the current process if v is running.
func (v *vertical) running() (*process, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.proc, v.state == StateRunning && v.proc != nil
}

// Stop asks every plugin to shut down, waits up to ctx's deadline, then
// kills whatever is left. No plugin process survives it.
func (m *Manager) Stop(ctx context.Context) {
	m.stopOnce.Do(func() {
		// Under m.mu, so that no supervisor starts after this.
		m.mu.Lock()
		close(m.stopping)
		m.mu.Unlock()
	})
	m.wg.Wait()
	m.mu.RLock()
	vs := make([]*vertical, 0, len(m.verticals))
	for _, v := range m.verticals {
		vs = append(vs, v)
	}
	m.mu.RUnlock()
	var wg sync.WaitGroup
	for _, v := range vs {
		proc, ok := v.running()
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := proc.api.Shutdown(ctx, &nexusv1.ShutdownRequest{}); err != nil {
				m.log.Warn("plugin shutdown hook failed", "vertical", v.name, "error", err)
			}
			proc.client.Kill()
			v.set(StateStopped, "host stopped", nil)
			m.log.Info("plugin stopped", "vertical", v.name)
		}()
	}
	wg.Wait()
}

// Info describes a vertical for the API.
type Info struct {
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Protocol int    `json:"protocol,omitempty"`
	State    State  `json:"state"`
	Reason   string `json:"reason,omitempty"`
	Restarts int    `json:"restarts"`
	// Swaps counts the rebuilt binaries swapped in (development hosts).
	Swaps  int      `json:"swaps,omitempty"`
	Uptime *float64 `json:"uptime_seconds,omitempty"`
	Routes int      `json:"routes"`
	// NextAttempt is when a restarting or failed vertical is launched
	// again (UTC).
	NextAttempt *time.Time `json:"next_attempt_at,omitempty"`
	// Breakers are the vertical's outbound circuit breakers, as it last
	// reported them (see ListFor).
	Breakers []hostsvc.Breaker `json:"breakers,omitempty"`
	// ConfigSchema is the JSON Schema of the per-company configuration its
	// manifest declares (the web app builds its configuration form from
	// it); absent when it declares none or is not running.
	ConfigSchema json.RawMessage `json:"config_schema,omitempty"`
}

// List describes every discovered vertical, sorted by name.
func (m *Manager) List() []Info {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Info, 0, len(m.verticals))
	for _, v := range m.verticals {
		out = append(out, v.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// info describes v.
func (v *vertical) info() Info {
	v.mu.RLock()
	defer v.mu.RUnlock()
	info := Info{Name: v.name, State: v.state, Reason: v.reason, Restarts: v.total, Swaps: v.swaps}
	if v.proc != nil {
		info.Version = v.proc.manifest.GetVersion()
		info.Protocol = v.proc.version
		info.Routes = len(v.proc.manifest.GetRoutes())
		info.Breakers = v.proc.host.Breakers()
		if schema := v.proc.manifest.GetConfigSchema(); json.Valid([]byte(schema)) {
			info.ConfigSchema = json.RawMessage(schema)
		}
	}
	if v.state == StateRunning {
		up := time.Since(v.startedAt).Seconds()
		info.Uptime = &up
		if reason := v.problemsLocked(); reason != "" {
			info.State, info.Reason = StateDegraded, reason
		}
	}
	if (v.state == StateRestarting || v.state == StateFailed) && !v.nextAttempt.IsZero() {
		next := v.nextAttempt.UTC().Truncate(time.Millisecond)
		info.NextAttempt = &next
	}
	return info
}

// Manifest returns the manifest of the vertical's current process; false
// when it has none (not started yet, restarting, refused).
func (m *Manager) Manifest(name string) (*nexusv1.Manifest, bool) {
	v, ok := m.get(name)
	if !ok {
		return nil, false
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.proc == nil {
		return nil, false
	}
	return v.proc.manifest, true
}

// Known reports whether a vertical of that name was discovered.
func (m *Manager) Known(name string) bool {
	_, ok := m.get(name)
	return ok
}

func (m *Manager) get(name string) (*vertical, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.verticals[name]
	return v, ok
}

// Unhealthy returns the verticals that are not running, with the reason;
// a degraded one runs (see Degraded).
func (m *Manager) Unhealthy() map[string]string {
	out := map[string]string{}
	for _, info := range m.List() {
		if !info.Serving() {
			out[info.Name] = string(info.State) + ": " + info.Reason
		}
	}
	return out
}

// wake returns the event bus's relay wake-up, if there is a bus.
func (m *Manager) wake() func() {
	if m.cfg.Events == nil {
		return nil
	}
	return m.cfg.Events.Wake
}
