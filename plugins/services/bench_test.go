package services_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// BenchmarkBillingRun measures one billing run over NEXUS_BENCH_CONTRACTS
// active contracts (default 1000) through the SDK's harness: the host's
// real DAL, unit of work and PostgreSQL, without the plugin's gRPC hop.
// Each iteration bills a new period, so every run writes every charge.
//
//	go test ./plugins/services -run '^$' -bench BillingRun -benchtime 10x
func BenchmarkBillingRun(b *testing.B) {
	n := 1000
	if v := os.Getenv("NEXUS_BENCH_CONTRACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("NEXUS_BENCH_CONTRACTS: %v", err)
		}
	}
	h := sdktest.New(b, services.New(), sdktest.WithDatabase())
	clients := make([]string, 0, 50)
	for i := range 50 {
		res := h.Do("POST", "/clients", fmt.Sprintf(`{"name":"Cliente %03d","tax_id":"XAXX010101000"}`, i))
		if res.Status != http.StatusCreated {
			b.Fatalf("client: %d %s", res.Status, res.Body)
		}
		var c struct{ ID string }
		res.Decode(b, &c)
		clients = append(clients, c.ID)
	}
	for i := range n {
		body := fmt.Sprintf(`{"client_id":%q,"description":"Servicio %d","monthly_fee":"%d.50","start_date":"2000-01-01","billing_day":%d}`,
			clients[i%len(clients)], i, 100+i%900, 1+i%28)
		res := h.Do("POST", "/contracts", body)
		if res.Status != http.StatusCreated {
			b.Fatalf("contract: %d %s", res.Status, res.Body)
		}
		var k struct{ ID string }
		res.Decode(b, &k)
		if res := h.Do("POST", "/contracts/"+k.ID+"/activate", ""); res.Status != http.StatusOK {
			b.Fatalf("activate: %d %s", res.Status, res.Body)
		}
	}
	month := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := range b.N {
		res := h.Do("POST", "/billing-runs", fmt.Sprintf(`{"period":%q}`, month.AddDate(0, i, 0).Format("2006-01")))
		if res.Status != http.StatusCreated {
			b.Fatalf("billing run: %d %s", res.Status, res.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "charges/s")
}
