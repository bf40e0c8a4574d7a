package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// acquire returns v's running process and counts one call in flight on it
// until done is called; a process being swapped out is drained of these
// calls before it is stopped.
func (v *vertical) acquire() (proc *process, done func(), ok bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.state != StateRunning || v.proc == nil {
		return nil, nil, false
	}
	// Under v.mu: once swap has replaced v.proc, no call is counted on the
	// old process any more, so its Wait sees every call it must drain.
	v.proc.inflight.Add(1)
	return v.proc, v.proc.inflight.Done, true
}

// stamp is what the watcher compares a plugin binary by between polls.
type stamp struct {
	size    int64
	modTime time.Time
}

// fileSum returns the sha256 of the file at path, in hex.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// watch polls the plugin binaries of the discovered verticals (Config.Watch,
// a development host only) and swaps in one that was rebuilt: once its
// size and modification time have stayed the same for a poll (a build may
// still be writing it) and its sha256 differs from the running process's.
// A vertical that is not running is restarted at once with the new binary.
func (m *Manager) watch() {
	defer m.wg.Done()
	tick := time.NewTicker(m.cfg.WatchInterval)
	defer tick.Stop()
	seen := map[string]stamp{}
	moved := map[string]bool{}
	for {
		for _, v := range m.all() {
			fi, err := os.Stat(v.path)
			if err != nil {
				continue // being replaced
			}
			now := stamp{size: fi.Size(), modTime: fi.ModTime()}
			last, known := seen[v.name]
			seen[v.name] = now
			switch {
			case !known:
			case now != last:
				moved[v.name] = true
			case moved[v.name]:
				moved[v.name] = false
				m.rebuilt(v)
			}
		}
		select {
		case <-m.stopping:
			return
		case <-tick.C:
		}
	}
}

// rebuilt handles a binary of v that changed on disk and has settled.
func (m *Manager) rebuilt(v *vertical) {
	sum, err := fileSum(v.path)
	if err != nil {
		m.log.Warn("plugin binary changed but cannot be read", "vertical", v.name, "error", err)
		return
	}
	v.mu.RLock()
	state, proc := v.state, v.proc
	v.mu.RUnlock()
	switch {
	case state == StateRunning && proc != nil && proc.sum == sum:
		// Touched, not changed.
	case state == StateRunning && proc != nil:
		m.log.Info("plugin binary rebuilt; swapping it in", "vertical", v.name, "path", v.path)
		select {
		case v.swap <- struct{}{}:
		default:
		}
	case state == StateStarting:
		// Its first launch reads the file again.
	default:
		m.log.Info("plugin binary rebuilt; launching it", "vertical", v.name, "state", state)
		if _, err := m.Restart(v.name); err != nil {
			m.log.Warn("launch the rebuilt plugin", "vertical", v.name, "error", err)
		}
	}
}

// hotSwap launches a new process of v from its (rebuilt) binary, routes
// every new call to it, then drains old, the process it replaces, of the
// calls in flight (for at most Config.DrainTimeout) and stops it. When the
// new process cannot start, old keeps serving and the reason is logged.
// It runs in v's supervisor.
func (m *Manager) hotSwap(v *vertical, old *process) {
	proc, err := m.launch(context.Background(), v)
	if err != nil {
		m.log.Error("rebuilt plugin did not start; the running process keeps serving", "vertical", v.name, "error", err)
		return
	}
	v.mu.Lock()
	if v.proc != old || v.state != StateRunning {
		v.mu.Unlock()
		proc.client.Kill()
		return
	}
	v.proc, v.startedAt = proc, time.Now()
	v.swaps++
	v.mu.Unlock()
	m.log.Info("plugin swapped", "vertical", v.name, "version", proc.manifest.GetVersion(), "previous_version", old.manifest.GetVersion())
	m.wg.Add(1)
	go m.retire(v, old)
}

// retire stops a swapped-out process once its calls in flight are done,
// after Config.DrainTimeout at the latest, or at once when the manager
// stops.
func (m *Manager) retire(v *vertical, old *process) {
	defer m.wg.Done()
	drained := make(chan struct{})
	go func() {
		old.inflight.Wait()
		close(drained)
	}()
	timer := time.NewTimer(m.cfg.DrainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		m.log.Warn("swapped-out plugin still had calls in flight; stopping it", "vertical", v.name, "drain_timeout", m.cfg.DrainTimeout)
	case <-m.stopping:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := old.api.Shutdown(ctx, &nexusv1.ShutdownRequest{}); err != nil {
		m.log.Warn("swapped-out plugin's shutdown hook failed", "vertical", v.name, "error", err)
	}
	old.client.Kill()
	m.log.Info("swapped-out plugin stopped", "vertical", v.name, "version", old.manifest.GetVersion())
}

// all returns every discovered vertical.
func (m *Manager) all() []*vertical {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*vertical, 0, len(m.verticals))
	for _, v := range m.verticals {
		out = append(out, v)
	}
	return out
}
