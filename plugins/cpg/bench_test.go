package cpg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/sdk/money"
)

// Benchmark settings, from the environment:
//   - NEXUS_BENCH_CLIENTS: concurrent checkout clients (default 16);
//   - NEXUS_BENCH_VARIANTS: catalog size for the scan and list benchmarks
//     (default 1,000,000; use e.g. 100000 for a quick run).
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCPG drives the real host and plugin: checkouts of three lines
// from concurrent clients next to a raw-SQL baseline doing the same writes
// with pgx in the same run, the same checkouts on a second host with
// metrics and tracing on (metrics on their own listener, every request
// sampled and exported over OTLP to a receiver in this process), then scan and product-list latency on a large catalog.
// One host serves every other sub-benchmark.
func BenchmarkCPG(b *testing.B) {
	p := startPlatform(b)
	clients := benchEnv("NEXUS_BENCH_CLIENTS", 16)
	f := newCheckoutFixture(b, p, clients)
	sink := hosttest.StartTraces(b)
	sink.Discard()
	observed := startPlatform(b, append(sink.Env(), "OTEL_TRACES_SAMPLER=always_on", "OTEL_BSP_SCHEDULE_DELAY=1000",
		"NEXUS_METRICS_ADDR=127.0.0.1:0")...)
	fo := newCheckoutFixture(b, observed, clients)
	var baseline float64
	drain := func(b *testing.B) { p.drainEvents(b) }
	cpu := newCPUMeter(p)
	f.warmUp(b, clients, warmUpSales)
	b.Run("baseline-raw-sql", func(b *testing.B) {
		p.analyze(b)
		baseline = runClients(b, clients, drain, cpu, func(worker int) error { return f.rawCheckout(worker) })
	})
	b.Run("checkout-3-lines", func(b *testing.B) {
		p.analyze(b)
		rate := runClients(b, clients, drain, cpu, func(worker int) error { return f.apiCheckout(worker) })
		if baseline > 0 {
			b.ReportMetric(100*rate/baseline, "%-of-baseline")
		}
	})
	fo.warmUp(b, clients, warmUpSales)
	// The same checkouts on both hosts, in rounds that alternate between
	// them, so that the machine's drift over the run weighs on both alike.
	// Besides the throughput, each side reports the CPU its host and
	// plugin processes used per checkout (events drained included), which
	// other work on the machine does not inflate.
	b.Run("checkout-observed", func(b *testing.B) {
		p.analyze(b)
		observed.analyze(b)
		spans := sink.Count()
		const rounds = 12
		var (
			elapsed [2]time.Duration // without tracing, with it
			used    [2]cpuUse
			meters  = [2]*cpuMeter{newCPUMeter(p), newCPUMeter(observed)}
		)
		b.ResetTimer()
		for r := range 2 * rounds {
			on := (r+r/2)%2 == 1 // off, on, on, off, off, on...
			n := b.N / rounds
			if r/2 == rounds-1 {
				n = b.N - (rounds-1)*(b.N/rounds)
			}
			pl, fx, k := p, f, 0
			if on {
				pl, fx, k = observed, fo, 1
			}
			b.StopTimer()
			before, _ := meters[k].sample(b)
			pl.drainEvents(b)
			b.StartTimer()
			d, err := checkoutRound(clients, n, fx.apiCheckout)
			if err != nil {
				b.Fatalf("round %d: %v", r, err)
			}
			b.StopTimer()
			after, _ := meters[k].sample(b)
			used[k].host += after.host - before.host
			used[k].plugins += after.plugins - before.plugins
			elapsed[k] += d
		}
		off, on := float64(b.N)/elapsed[0].Seconds(), float64(b.N)/elapsed[1].Seconds()
		b.ReportMetric(on, "ops/s")
		b.ReportMetric(off, "unobserved-ops/s")
		b.ReportMetric(100*on/off, "%-of-unobserved")
		b.ReportMetric(float64(sink.Count()-spans)/float64(b.N), "spans/op")
		if meters[0].ok {
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
			b.ReportMetric(per(used[1].host), "host-cpu-µs/op")
			b.ReportMetric(per(used[1].plugins), "plugin-cpu-µs/op")
			b.ReportMetric(per(used[0].host), "unobserved-host-cpu-µs/op")
			b.ReportMetric(per(used[0].plugins), "unobserved-plugin-cpu-µs/op")
			b.ReportMetric(100*float64(used[1].host+used[1].plugins)/float64(used[0].host+used[0].plugins), "%-cpu-of-unobserved")
		}
	})
	cat := newCatalogFixture(b, p, benchEnv("NEXUS_BENCH_VARIANTS", 1_000_000))
	// Every scan of a new code misses the cache; repeating one code hits it.
	b.Run("scan-miss", func(b *testing.B) {
		runSerial(b, func(i int) (string, int) { return "/products/scan/" + cat.sku(i), http.StatusOK }, cat.company)
	})
	b.Run("scan-hit", func(b *testing.B) {
		runSerial(b, func(int) (string, int) { return "/products/scan/" + cat.sku(7), http.StatusOK }, cat.company)
	})
	b.Run("product-list", func(b *testing.B) {
		runSerial(b, func(i int) (string, int) { return "/products?limit=50", http.StatusOK }, cat.company)
	})
	b.Run("product-search-name", func(b *testing.B) {
		runSerial(b, func(i int) (string, int) {
			return fmt.Sprintf("/products?limit=50&q=producto%%20%d", 1+i%9), http.StatusOK
		}, cat.company)
	})
	b.Run("product-search-sku", func(b *testing.B) {
		runSerial(b, func(i int) (string, int) {
			return fmt.Sprintf("/products?limit=50&sku=BENCH-%04d", i%10000), http.StatusOK
		}, cat.company)
	})
	b.Run("product-filter-attributes", func(b *testing.B) {
		runSerial(b, func(i int) (string, int) {
			return "/products?limit=50&attributes=%7B%22color%22%3A%22verde%22%7D", http.StatusOK
		}, cat.company)
	})
}

// checkoutRound runs n operations from clients goroutines and returns how
// long they took, or the first error.
func checkoutRound(clients, n int, op func(worker int) error) (time.Duration, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr atomic.Value
	)
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(w); err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return time.Since(start), nil
}

// latencies records request durations and reports percentiles.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	at := func(q float64) float64 {
		return float64(l.d[min(len(l.d)-1, int(q*float64(len(l.d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// runClients runs b.N operations from clients goroutines and reports the
// throughput and latency percentiles; it returns operations per second.
// drain waits until the work the operations left behind is done (their
// events handled): it runs before the clock starts, so that one run does
// not pay for another's, and before it stops, so that the throughput is
// sustainable.
//
// cpu reports the CPU the processes used per operation over the same
// span, drained work included.
func runClients(b *testing.B, clients int, drain func(*testing.B), cpu *cpuMeter, op func(worker int) error) float64 {
	var (
		next int64
		lat  latencies
		errs atomic.Int64
		wg   sync.WaitGroup
	)
	var firstErr atomic.Value
	drain(b)
	b.ResetTimer()
	var elapsed time.Duration
	cpu.measure(b, func() {
		start := time.Now()
		for w := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for atomic.AddInt64(&next, 1) <= int64(b.N) {
					t0 := time.Now()
					if err := op(w); err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					lat.add(time.Since(t0))
				}
			}()
		}
		wg.Wait()
		drain(b)
		elapsed = time.Since(start)
	})
	b.StopTimer()
	if n := errs.Load(); n > 0 {
		b.Fatalf("%d of %d operations failed; first: %v", n, b.N, firstErr.Load())
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "ops/s")
	lat.report(b)
	return rate
}

// runSerial sends b.N GET requests one after the other as c's cashier and
// reports latency percentiles.
func runSerial(b *testing.B, path func(i int) (string, int), c *company) {
	client := benchClient(1)
	var lat latencies
	b.ResetTimer()
	for i := range b.N {
		p, want := path(i)
		t0 := time.Now()
		status, body, err := send(client, c.p.h.URL, http.MethodGet, base+p, c.Tokens["cashier"], nil, "")
		lat.add(time.Since(t0))
		if err != nil || status != want {
			b.Fatalf("GET %s: %d %v %s", p, status, err, body)
		}
	}
	b.StopTimer()
	lat.report(b)
}

// benchClient is an HTTP client keeping a connection per client alive.
func benchClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2}, Timeout: time.Minute}
}

func send(client *http.Client, url, method, path, token string, body []byte, idem string) (int, []byte, error) {
	req, err := http.NewRequest(method, url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

// checkoutFixture is a company with a catalog of variants in stock and one
// open cash session per client.
type checkoutFixture struct {
	p        *platform
	c        *company
	client   *http.Client
	variants []string
	sessions []string
	location string
	rng      []*rand.Rand
}

const checkoutVariants = 1000

func newCheckoutFixture(b *testing.B, p *platform, clients int) *checkoutFixture {
	b.Helper()
	c := p.newCompany(b, "MX")
	f := &checkoutFixture{p: p, c: c, client: benchClient(clients), location: c.principal}
	for batch := 0; batch < checkoutVariants/200; batch++ {
		vs := make([]any, 200)
		for i := range vs {
			vs[i] = map[string]any{"sku": fmt.Sprintf("CK-%05d", batch*200+i), "price": "25.00", "cost": "12.00"}
		}
		prod := c.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{"name": fmt.Sprintf("Checkout %d", batch), "tax_rate": "16", "variants": vs})
		lines := make([]any, 0, 200)
		for _, v := range prod["variants"].([]any) {
			id := v.(map[string]any)["id"].(string)
			f.variants = append(f.variants, id)
			lines = append(lines, line(id, "100000000"))
		}
		c.ok(http.StatusCreated, "manager", "POST", "/stock/adjustments", map[string]any{"location_id": c.principal, "reason": "benchmark", "lines": lines})
	}
	for range clients {
		f.sessions = append(f.sessions, c.session("1000.00"))
		f.rng = append(f.rng, rand.New(rand.NewPCG(uint64(len(f.rng)), 7)))
	}
	return f
}

// pick returns three distinct variants for worker.
func (f *checkoutFixture) pick(worker int) [3]string {
	r := f.rng[worker]
	var out [3]string
	idx := make([]int, 0, 3)
	for len(idx) < 3 {
		n := r.IntN(len(f.variants))
		if !slices.Contains(idx, n) {
			idx = append(idx, n)
		}
	}
	for i, n := range idx {
		out[i] = f.variants[n]
	}
	return out
}

// apiCheckout sells one unit of three variants through the host.
func (f *checkoutFixture) apiCheckout(worker int) error {
	vs := f.pick(worker)
	body, err := json.Marshal(map[string]any{
		"session_id": f.sessions[worker],
		"lines":      []any{line(vs[0], "1"), line(vs[1], "1"), line(vs[2], "1")},
		"payments":   []any{map[string]any{"method": "cash", "amount": "100.00"}},
	})
	if err != nil {
		return err
	}
	status, res, err := send(f.client, f.p.h.URL, http.MethodPost, base+"/sales", f.c.Tokens["cashier"], body, uuid.NewString())
	if err != nil {
		return err
	}
	if status != http.StatusCreated {
		return fmt.Errorf("checkout: %d %s", status, res)
	}
	return nil
}

// Raw-SQL baseline: the same reads and writes as a checkout, straight to
// PostgreSQL with pgx as the tenant role, one batch for the reads and one
// for the writes, in one transaction: the idempotency key's claim and
// stored response, the session and variants, the conditional stock
// decrements, the sale, its lines, payment and movements, and the outbox
// row.
const (
	rawBegin    = `SELECT set_config('role', 'nexus_tenant', true), set_config('app.company_id', $1, true), set_config('search_path', 'cpg, public', true)`
	rawSession  = `SELECT register_id, location_id, status FROM cpg.cash_sessions WHERE company_id = $1 AND id = $2 FOR SHARE`
	rawVariants = `SELECT v.id, v.price, v.cost, v.sku, p.name, p.tax_code, v.product_id FROM cpg.variants v JOIN cpg.products p ON p.company_id = v.company_id AND p.id = v.product_id WHERE v.company_id = $1 AND v.id = ANY($2::uuid[])`
	rawTake     = `UPDATE cpg.stock SET on_hand = on_hand - $4, updated_at = now() WHERE company_id = $1 AND variant_id = $2 AND location_id = $3 AND on_hand >= $4`
	rawSale     = `INSERT INTO cpg.sales (company_id, id, session_id, register_id, location_id, user_id, cashier_email, status, currency, prices_include_tax, subtotal, discount, net, tax, total, paid, change, occurred_at)
VALUES ($1, $2, $3, $4, $5, NULL, 'bench@cpg.test', 'completed', 'MXN', true, $6, 0, $7, $8, $9, $10, $11, $12)`
	rawLine = `INSERT INTO cpg.sale_lines (company_id, id, sale_id, line_no, variant_id, product_id, sku, description, quantity, list_price, unit_price, unit_cost, tax_code, tax_rate, gross, line_discount, document_discount, net, tax, total)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, 0.16, $12, 0, 0, $13, $14, $15)`
	rawPayment  = `INSERT INTO cpg.payments (company_id, id, session_id, sale_id, line_no, method, amount, change, occurred_at) VALUES ($1, $2, $3, $4, 1, 'cash', $5, $6, $7)`
	rawMovement = `INSERT INTO cpg.stock_movements (company_id, id, variant_id, location_id, kind, quantity, unit_cost, ref_type, ref_id, occurred_at) VALUES ($1, $2, $3, $4, 'sale', -1, $5, 'sale', $6, $7)`
	rawOutbox   = `INSERT INTO public.event_outbox (company_id, id, topic, occurred_at, payload) VALUES ($1, $2, 'cpg.sale.created', $3, $4)`
	rawClaim    = `INSERT INTO public.idempotency_keys (company_id, scope, key, request_hash) VALUES ($1, 'bench', $2, $3) ON CONFLICT DO NOTHING`
	rawRemember = `UPDATE public.idempotency_keys SET status = 201, response = $3 WHERE company_id = $1 AND scope = 'bench' AND key = $2`
)

func (f *checkoutFixture) rawCheckout(worker int) error {
	vs := f.pick(worker)
	ctx := context.Background()
	company := f.c.ID
	return pgx.BeginFunc(ctx, f.p.pool, func(tx pgx.Tx) error {
		key := uuid.NewString()
		reads := &pgx.Batch{}
		reads.Queue(rawBegin, company)
		reads.Queue(rawClaim, company, key, []byte(key))
		reads.Queue(rawSession, company, f.sessions[worker])
		reads.Queue(rawVariants, company, vs[:])
		br := tx.SendBatch(ctx, reads)
		for range 2 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		var register, location, status string
		if err := br.QueryRow().Scan(&register, &location, &status); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		type variant struct {
			id, sku, name, tax, product string
			price, cost                 decimal.Decimal
		}
		var found []variant
		for rows.Next() {
			var v variant
			if err := rows.Scan(&v.id, &v.price, &v.cost, &v.sku, &v.name, &v.tax, &v.product); err != nil {
				return err
			}
			found = append(found, v)
		}
		if err := br.Close(); err != nil {
			return err
		}
		slices.SortFunc(found, func(a, b variant) int { return cmpString(a.id, b.id) })
		doc := money.Document{Currency: money.MXN, PricesIncludeTax: true}
		iva, _ := money.LookupRate("MX", "iva16")
		for _, v := range found {
			doc.Lines = append(doc.Lines, money.Line{Quantity: decimal.NewFromInt(1), UnitPrice: v.price, Tax: iva})
		}
		res, err := money.Calculate(doc)
		if err != nil {
			return err
		}
		paid := decimal.NewFromInt(100)
		at := time.Now().UTC()
		sale := uuid.NewString()
		writes := &pgx.Batch{}
		for _, v := range found {
			writes.Queue(rawTake, company, v.id, location, 1)
		}
		writes.Queue(rawSale, company, sale, f.sessions[worker], register, location, res.Subtotal, res.Net, res.Tax, res.Total, paid, paid.Sub(res.Total), at)
		for i, v := range found {
			l := res.Lines[i]
			writes.Queue(rawLine, company, uuid.NewString(), sale, i+1, v.id, v.product, v.sku, v.name, v.price, v.cost, v.tax, l.Gross, l.Net, l.Tax, l.Total)
		}
		writes.Queue(rawPayment, company, uuid.NewString(), f.sessions[worker], sale, paid, paid.Sub(res.Total), at)
		for _, v := range found {
			writes.Queue(rawMovement, company, uuid.NewString(), v.id, location, v.cost, sale, at)
		}
		payload, _ := json.Marshal(map[string]string{"sale_id": sale, "location_id": location, "total": res.Total.StringFixed(2), "currency": "MXN", "occurred_at": at.Format(time.RFC3339Nano)})
		writes.Queue(rawOutbox, company, uuid.NewString(), at, payload)
		writes.Queue(rawRemember, company, key, payload)
		bw := tx.SendBatch(ctx, writes)
		for range found {
			tag, err := bw.Exec()
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("insufficient stock")
			}
		}
		for range writes.Len() - len(found) {
			if _, err := bw.Exec(); err != nil {
				return err
			}
		}
		return bw.Close()
	})
}

// warmUpSales is how many sales the benchmark records before measuring.
const warmUpSales = 2000

// warmUp records n sales through the baseline's SQL from clients
// goroutines and handles their events, so that the measured runs start on
// tables that hold sales, as a running system's do.
func (f *checkoutFixture) warmUp(b *testing.B, clients, n int) {
	b.Helper()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, clients)
	)
	for w := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := f.rawCheckout(w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("warm up: %v", err)
	}
	f.p.drainEvents(b)
}

// analyze refreshes the planner's statistics of the platform's database,
// as autovacuum keeps them in a running system: without it, the plans
// prepared in a run's first seconds, costed for the tables as the previous
// run left them, stay cached for the run (autovacuum takes a minute to
// look). A sale read by id was looked up by scanning an index of every
// sale of the company that way.
func (p *platform) analyze(b *testing.B) {
	b.Helper()
	if _, err := p.pool.Exec(context.Background(), `ANALYZE`); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// drainEvents waits until every event in the outbox was relayed and every
// delivery handled by its subscription.
func (p *platform) drainEvents(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var busy bool
		err := p.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM public.event_outbox WHERE sent_at IS NULL)
    OR EXISTS (SELECT 1 FROM public.event_deliveries)`).Scan(&busy)
		require.NoError(b, err)
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("events still pending after 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// catalogFixture is a company with a large catalog seeded in SQL.
type catalogFixture struct {
	company *company
	size    int
}

func (c *catalogFixture) sku(i int) string {
	return fmt.Sprintf("BENCH-%08d", 1+(i*7919)%c.size)
}

// newCatalogFixture seeds size variants (four per product, with stock at
// "Principal") with INSERT ... SELECT generate_series, then analyzes.
func newCatalogFixture(b *testing.B, p *platform, size int) *catalogFixture {
	b.Helper()
	c := p.newCompany(b, "MX")
	ctx := context.Background()
	start := time.Now()
	seeds := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO cpg.products (company_id, id, name, search_name, tax_code, attributes)
SELECT $1::uuid, md5($2 || 'p' || g)::uuid, 'Producto ' || g, 'producto ' || g, 'iva16',
       jsonb_build_object('color', (ARRAY['rojo', 'azul', 'verde'])[g % 3 + 1], 'lote', g % 100)
FROM generate_series(1, ($3::int + 3) / 4) g`, []any{c.ID, c.ID, size}},
		{`INSERT INTO cpg.variants (company_id, id, product_id, sku, size, price, cost)
SELECT $1::uuid, md5($2 || 'v' || g)::uuid, md5($2 || 'p' || ((g - 1) / 4 + 1))::uuid, 'BENCH-' || lpad(g::text, 8, '0'),
       (ARRAY['S', 'M', 'L', 'XL'])[g % 4 + 1], 10 + g % 90, 5
FROM generate_series(1, $3::int) g`, []any{c.ID, c.ID, size}},
		{`INSERT INTO cpg.stock (company_id, variant_id, location_id, on_hand)
SELECT $1::uuid, md5($2 || 'v' || g)::uuid, $4::uuid, 100 FROM generate_series(1, $3::int) g`, []any{c.ID, c.ID, size, c.principal}},
		{`ANALYZE cpg.products, cpg.variants, cpg.stock`, nil},
	}
	c.ok(http.StatusOK, "viewer", "GET", "/locations", nil)
	for _, q := range seeds {
		_, err := p.pool.Exec(ctx, q.sql, q.args...)
		require.NoError(b, err, "seed: %s", q.sql)
	}
	b.Logf("seeded %d variants in %s", size, time.Since(start).Round(time.Millisecond))
	return &catalogFixture{company: c, size: size}
}
