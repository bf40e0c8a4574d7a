package plugins

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// superviseLocked starts watching v unless something already does or the
// manager is stopping. The caller holds m.mu, which Stop takes to close
// m.stopping, so no supervisor starts after Stop began waiting.
func (m *Manager) superviseLocked(v *vertical) {
	select {
	case <-m.stopping:
		return
	default:
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.supervised {
		return
	}
	v.supervised = true
	m.wg.Add(1)
	go m.supervise(v)
}

// supervise watches v: it polls for process exit, health-checks on the
// configured interval, restarts with backoff and restarts on an admin's
// request, until the manager stops or v is refused.
func (m *Manager) supervise(v *vertical) {
	defer m.wg.Done()
	defer func() {
		v.mu.Lock()
		v.supervised = false
		v.mu.Unlock()
	}()
	exitPoll := time.NewTicker(100 * time.Millisecond)
	defer exitPoll.Stop()
	health := time.NewTicker(m.cfg.HealthInterval)
	defer health.Stop()
	for {
		v.mu.RLock()
		state, proc := v.state, v.proc
		v.mu.RUnlock()
		if state != StateRunning {
			if !m.restart(v) {
				return
			}
			continue
		}
		select {
		case <-m.stopping:
			return
		case <-v.swap:
			m.hotSwap(v, proc)
		case <-v.kick:
			m.log.Info("plugin restart requested", "vertical", v.name)
			proc.client.Kill()
			v.set(StateRestarting, "restart requested by a platform admin", nil)
		case <-exitPoll.C:
			if proc.client.Exited() {
				m.down(v, proc, "plugin process exited")
			}
		case <-health.C:
			if err := proc.rpc.Ping(); err != nil {
				m.down(v, proc, "health check failed: "+err.Error())
			}
		}
	}
}

// down marks v as restarting after its process failed. A process that
// stayed up for RestartWindow starts the backoff over.
func (m *Manager) down(v *vertical, proc *process, reason string) {
	m.log.Error("plugin is down", "vertical", v.name, "reason", reason)
	proc.client.Kill()
	v.mu.Lock()
	if time.Since(v.startedAt) >= m.cfg.RestartWindow {
		v.crashes = 0
	}
	v.crashes++
	v.mu.Unlock()
	v.set(StateRestarting, reason, nil)
}

// backoff is the wait before the next launch after crashes failures in a
// row: 200 ms doubling, capped at MaxBackoff.
func (m *Manager) backoff(crashes int) time.Duration {
	return min(200*time.Millisecond<<min(max(crashes-1, 0), 20), m.cfg.MaxBackoff)
}

// restart relaunches v after its backoff, or at once when an admin asks.
// A vertical restarted MaxRestarts times within RestartWindow is marked
// failed meanwhile, and still retried. restart reports whether supervision
// should continue (false when the manager stops or v is refused).
func (m *Manager) restart(v *vertical) bool {
	now := time.Now()
	v.mu.Lock()
	recent := v.restarts[:0]
	for _, t := range v.restarts {
		if now.Sub(t) < m.cfg.RestartWindow {
			recent = append(recent, t)
		}
	}
	v.restarts = recent
	n := len(recent)
	wait := m.backoff(v.crashes)
	v.nextAttempt = now.Add(wait)
	if n >= m.cfg.MaxRestarts && v.state != StateFailed {
		m.log.Error("plugin keeps crashing; retrying with backoff", "vertical", v.name, "restarts", n,
			"window", m.cfg.RestartWindow, "next_attempt_in", wait, "last_reason", v.reason)
		v.state = StateFailed
		v.reason = fmt.Sprintf("restarted %d times within %s; last failure: %s", n, m.cfg.RestartWindow, v.reason)
	}
	v.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-m.stopping:
		return false
	case <-v.kick:
	case <-timer.C:
	}
	v.mu.Lock()
	v.restarts = append(v.restarts, time.Now())
	v.total++
	failed := v.state == StateFailed
	v.mu.Unlock()
	proc, err := m.launch(context.Background(), v)
	if err != nil {
		var refused *refusedError
		if errors.As(err, &refused) {
			m.log.Error("plugin refused on restart", "vertical", v.name, "reason", err)
			v.set(StateRefused, err.Error(), nil)
			return false
		}
		m.log.Error("plugin restart failed", "vertical", v.name, "error", err)
		v.mu.Lock()
		v.crashes++
		v.mu.Unlock()
		state, reason := StateRestarting, err.Error()
		if failed {
			state, reason = StateFailed, fmt.Sprintf("keeps crashing; last failure: %s", err)
		}
		v.set(state, reason, nil)
		return true
	}
	select {
	case <-m.stopping:
		proc.client.Kill()
		return false
	default:
	}
	v.set(StateRunning, "", proc)
	m.log.Info("plugin restarted", "vertical", v.name, "restarts", n+1)
	return true
}

// Restart restarts a vertical now, whatever its state: a running one is
// stopped and launched again, a restarting or failed one is launched
// without waiting for its backoff, a refused one is tried again (its binary
// may have been fixed). Its crash history is cleared. It answers the
// vertical's state once the restart is under way; 404 vertical_not_found
// for an unknown name, 409 during its first start, 503 while the host
// stops.
func (m *Manager) Restart(name string) (Info, error) {
	v, ok := m.get(name)
	if !ok {
		return Info{}, httpx.NotFound("vertical_not_found", "no vertical named "+name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.stopping:
		return Info{}, httpx.Unavailable("host_stopping", "the host is stopping")
	default:
	}
	v.mu.Lock()
	if v.state == StateStarting {
		v.mu.Unlock()
		return Info{}, httpx.Conflict("vertical_starting", "vertical "+name+" is starting")
	}
	v.restarts, v.crashes = nil, 0
	if v.state != StateRunning {
		v.state, v.reason = StateRestarting, "restart requested by a platform admin"
	}
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default:
	}
	m.superviseLocked(v)
	return v.info(), nil
}
