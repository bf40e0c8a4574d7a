package plugins

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/internal/testverticals/probe"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// buildProbe builds the probe vertical into a fresh plugin directory.
func buildProbe(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	out := filepath.Join(dir, BinaryPrefix+"probe")
	cmd := exec.Command("go", "build", "-o", out, "github.com/nexuspos/nexus/internal/testverticals/probe/cmd/nexus-vertical-probe")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("build probe: %v", err)
	}
	return dir
}

// BenchmarkRoute compares one route served through the plugin process with
// the same handler run in-process by sdktest (same SDK server, same routing,
// no gRPC). The difference of the p50s is what the plugin boundary adds.
func BenchmarkRoute(b *testing.B) {
	principal := auth.Principal{UserID: uuid.New(), CompanyID: uuid.New(), Role: auth.RoleOwner}

	b.Run("in-process", func(b *testing.B) {
		h := sdktest.New(b, probe.New("probe")).As(sdk.Principal{
			UserID: principal.UserID.String(), CompanyID: principal.CompanyID.String(), Role: sdk.RoleOwner,
		})
		measure(b, func() int {
			return h.DoRequest(httptest.NewRequest(http.MethodGet, "/items/42", nil)).Status
		})
	})

	b.Run("plugin", func(b *testing.B) {
		m := New(Config{Dir: buildProbe(b)})
		if err := m.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Stop(context.Background()) })
		r := chi.NewRouter()
		r.Handle("/api/v1/verticals/{vertical}/*", m.Handler(nil))
		ctx := auth.WithPrincipal(context.Background(), principal)
		measure(b, func() int {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/verticals/probe/items/42", nil).WithContext(ctx))
			return rec.Code
		})
	})
}

// measure runs do b.N times and reports p50/p95 latency in µs.
func measure(b *testing.B, do func() int) {
	b.Helper()
	for range 200 {
		do()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if code := do(); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Nanoseconds())/1e3, "p95-µs")
}
