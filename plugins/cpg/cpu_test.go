package cpg_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// cpuUse is the CPU time (user + system) the platform's processes have
// used: the host, its plugin processes and the benchmark's own process,
// which plays the clients (and runs the raw-SQL baseline). The PostgreSQL
// backends' CPU is sampled per backend (see sample).
type cpuUse struct {
	host, plugins, clients time.Duration
}

// cpuMeter reads cpuUse from /proc. Backends are the ones connected to the
// database when a sample is taken; a backend that starts between two
// samples counts from zero and one that exits loses what it used.
type cpuMeter struct {
	p  *platform
	ok bool
}

// newCPUMeter returns a meter, which measures nothing where /proc does not
// show the processes' CPU times (not Linux): the benchmark then reports
// no CPU figures rather than wrong ones.
func newCPUMeter(p *platform) *cpuMeter {
	_, err := procCPU(os.Getpid())
	return &cpuMeter{p: p, ok: err == nil}
}

// sample returns the current use and the backends' CPU by pid.
func (m *cpuMeter) sample(b *testing.B) (cpuUse, map[int]time.Duration) {
	b.Helper()
	var u cpuUse
	backends := map[int]time.Duration{}
	if !m.ok {
		return u, backends
	}
	host := m.p.h.Cmd.Process.Pid
	u.host, _ = procCPU(host)
	u.clients, _ = procCPU(os.Getpid())
	for _, pid := range childPIDs(host) {
		d, _ := procCPU(pid)
		u.plugins += d
	}
	rows, err := m.p.pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatalf("list the database's backends: %v", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		b.Fatalf("list the database's backends: %v", err)
	}
	for _, pid := range pids {
		if d, err := procCPU(pid); err == nil {
			backends[pid] = d
		}
	}
	return u, backends
}

// measure runs f and reports the CPU each kind of process used per
// operation, in µs: what a checkout costs, whatever else the machine is
// doing (on two busy cores, wall times mostly measure the run queue).
func (m *cpuMeter) measure(b *testing.B, f func()) {
	b.Helper()
	before, pg0 := m.sample(b)
	f()
	after, pg1 := m.sample(b)
	if !m.ok {
		return
	}
	var pg time.Duration
	for pid, d := range pg1 {
		pg += d - pg0[pid]
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(per(pg), "pg-cpu-µs/op")
	b.ReportMetric(per(after.host-before.host), "host-cpu-µs/op")
	b.ReportMetric(per(after.plugins-before.plugins), "plugin-cpu-µs/op")
	b.ReportMetric(per(after.clients-before.clients), "client-cpu-µs/op")
}

// procCPU returns the CPU time pid has used.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// fields are counted after its closing parenthesis.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	// utime and stime are fields 14 and 15, i.e. 12 and 13 after field 2.
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// childPIDs returns the processes whose parent is pid.
func childPIDs(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			if n, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
